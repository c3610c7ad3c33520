package dev.aijobs.worker.route;

import dev.aijobs.protocol.Route;
import dev.aijobs.worker.config.ProviderConfig;
import dev.aijobs.worker.config.ProxySettings;
import dev.aijobs.worker.config.WorkerConfig;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedBulkheadMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRateLimiterMetrics;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;

/**
 * Resilience4j guards, all exported as metrics: per provider a bulkhead (max concurrent calls;
 * waiting attempts queue without holding a thread) and an optional rate limiter; a circuit breaker
 * per (provider, route) and one per proxy endpoint, so a dead proxy sends traffic direct without
 * cooling down the provider itself. Thread-safe.
 */
public final class ProviderGuards {
  static CircuitBreakerConfig breakerConfig(WorkerConfig.Breakers b) {
    return CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(b.window())
        .minimumNumberOfCalls(b.minCalls())
        .failureRateThreshold(b.failureRatePercent())
        .waitDurationInOpenState(b.openDuration())
        .permittedNumberOfCallsInHalfOpenState(3)
        .build();
  }

  private final CircuitBreakerRegistry breakers;
  private final BulkheadRegistry bulkheads = BulkheadRegistry.ofDefaults();
  private final RateLimiterRegistry limiters = RateLimiterRegistry.ofDefaults();
  private final Map<String, Queue<Runnable>> waiting = new ConcurrentHashMap<>();
  private final Map<String, ProviderConfig> providers;

  public ProviderGuards(WorkerConfig config, MeterRegistry registry) {
    Map<String, ProviderConfig> providers = config.providers();
    this.providers = Map.copyOf(providers);
    this.breakers = CircuitBreakerRegistry.of(breakerConfig(config.breakers()));
    for (ProviderConfig p : providers.values()) {
      bulkheads.bulkhead(
          p.id(),
          BulkheadConfig.custom()
              .maxConcurrentCalls(p.maxConcurrency())
              .maxWaitDuration(Duration.ZERO)
              .build());
      waiting.put(p.id(), new ConcurrentLinkedQueue<>());
      if (p.rateLimit() > 0) {
        limiters.rateLimiter(p.id(), rateLimiterConfig(p.rateLimit()));
      }
      breaker(p.id(), Route.DIRECT);
      if (p.usesProxy()) {
        breaker(p.id(), Route.PROXY);
        proxyBreaker(p.proxy());
      }
    }
    TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(registry);
    TaggedBulkheadMetrics.ofBulkheadRegistry(bulkheads).bindTo(registry);
    TaggedRateLimiterMetrics.ofRateLimiterRegistry(limiters).bindTo(registry);
  }

  static RateLimiterConfig rateLimiterConfig(double perSecond) {
    int perPeriod = (int) Math.max(1, Math.round(perSecond >= 1 ? perSecond : 1));
    Duration period =
        perSecond >= 1 ? Duration.ofSeconds(1) : Duration.ofMillis(Math.round(1000 / perSecond));
    return RateLimiterConfig.custom()
        .limitForPeriod(perPeriod)
        .limitRefreshPeriod(period)
        // Reservations may wait long; the caller compares the wait with the job's deadline.
        .timeoutDuration(Duration.ofMinutes(10))
        .build();
  }

  /** The breaker of (provider, route); direct-after-proxy-failure shares the direct one. */
  public CircuitBreaker breaker(String provider, Route route) {
    String r = route == Route.PROXY ? "proxy" : "direct";
    return breakers.circuitBreaker(provider + ":" + r);
  }

  /** The breaker of a proxy endpoint (host:port), shared by every provider that uses it. */
  public CircuitBreaker proxyBreaker(ProxySettings proxy) {
    return breakers.circuitBreaker("proxy:" + proxy.host() + ":" + proxy.port());
  }

  /**
   * Runs {@code attempt} once the provider's bulkhead has room: at once on this thread, or, when a
   * running call {@link #release releases} its permit, on {@code later}. Never blocks.
   */
  public void whenPermitted(String provider, Runnable attempt, Executor later) {
    Bulkhead b = bulkheads.bulkhead(provider);
    if (b.tryAcquirePermission()) {
      attempt.run();
      return;
    }
    waiting.get(provider).add(() -> later.execute(attempt));
    drain(provider);
  }

  /** Returns a permit taken by {@link #whenPermitted}; starts a waiting attempt if any. */
  public void release(String provider) {
    bulkheads.bulkhead(provider).onComplete();
    drain(provider);
  }

  private void drain(String provider) {
    Queue<Runnable> q = waiting.get(provider);
    Bulkhead b = bulkheads.bulkhead(provider);
    while (!q.isEmpty() && b.tryAcquirePermission()) {
      Runnable next = q.poll();
      if (next == null) {
        b.onComplete();
        return;
      }
      next.run();
    }
  }

  /**
   * Reserves a call under the provider's rate limit.
   *
   * @return nanoseconds to wait before calling (0 when there is no limit), or -1 when the wait
   *     would exceed {@code maxWait}
   */
  public long reserveRate(String provider, Duration maxWait) {
    if (providers.get(provider).rateLimit() <= 0) {
      return 0;
    }
    RateLimiter limiter = limiters.rateLimiter(provider);
    long wait = limiter.reservePermission();
    return wait > maxWait.toNanos() ? -1 : wait;
  }
}
