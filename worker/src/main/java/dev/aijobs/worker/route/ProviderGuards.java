package dev.aijobs.worker.route;

import dev.aijobs.worker.config.ProviderConfig;
import dev.aijobs.worker.config.ProxySettings;
import dev.aijobs.worker.config.WorkerConfig;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedBulkheadMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state routing decisions read, all exported as metrics: per provider a bulkhead (max
 * concurrent calls; waiting attempts queue without holding a thread) and an optional {@link
 * RateLimit}; a {@link Breaker} per deployment (provider, model, route) and one per proxy endpoint,
 * so one failing model does not stop the provider's others and a dead proxy sends traffic direct
 * without cooling down the providers behind it. Thread-safe.
 */
public final class ProviderGuards {
  private static final Logger log = LoggerFactory.getLogger(ProviderGuards.class);

  /** Deployment breakers kept at most; closed ones unused longest are forgotten first. */
  static final int MAX_BREAKERS = 10_000;

  private static final long IDLE_NANOS = Duration.ofMinutes(10).toNanos();

  /**
   * Deployment breakers open or half-open, per provider and route ({@code direct}, {@code proxy}).
   */
  public static final String BREAKERS_OPEN = "aijobs.breakers.open";

  /** 1 while a proxy endpoint's breaker is open or half-open. */
  public static final String PROXY_BREAKER_OPEN = "aijobs.proxy.breaker.open";

  private final Breaker.Settings settings;
  private final Clock clock;
  private final BulkheadRegistry bulkheads = BulkheadRegistry.ofDefaults();
  private final Map<String, Queue<Runnable>> waiting = new ConcurrentHashMap<>();
  private final Map<String, RateLimit> limits = new HashMap<>();
  private final Map<String, Breaker> deployments = new ConcurrentHashMap<>();
  private final Map<String, Breaker> proxies = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> openCounts = new ConcurrentHashMap<>();
  private final MeterRegistry registry;

  public ProviderGuards(WorkerConfig config, MeterRegistry registry, Clock clock) {
    WorkerConfig.Breakers b = config.breakers();
    this.settings =
        new Breaker.Settings(
            b.failureRatePercent(),
            b.window(),
            b.minCalls(),
            b.openDuration(),
            b.maxOpenDuration());
    this.clock = clock;
    this.registry = registry;
    for (ProviderConfig p : config.providers().values()) {
      bulkheads.bulkhead(
          p.id(),
          BulkheadConfig.custom()
              .maxConcurrentCalls(p.maxConcurrency())
              .maxWaitDuration(Duration.ZERO)
              .build());
      waiting.put(p.id(), new ConcurrentLinkedQueue<>());
      if (p.rateLimit() > 0) {
        limits.put(p.id(), new RateLimit(p.rateLimit(), clock));
      }
      openCount(p.id(), "direct");
      if (p.usesProxy()) {
        openCount(p.id(), "proxy");
        proxy(p.proxy());
      }
    }
    TaggedBulkheadMetrics.ofBulkheadRegistry(bulkheads).bindTo(registry);
  }

  private AtomicInteger openCount(String provider, String route) {
    return openCounts.computeIfAbsent(
        provider + "\u0000" + route,
        k -> {
          AtomicInteger n = new AtomicInteger();
          Gauge.builder(BREAKERS_OPEN, n, AtomicInteger::get)
              .description("circuit breakers of deployments (provider, model, route) not closed")
              .tag("provider", provider)
              .tag("route", route)
              .register(registry);
          return n;
        });
  }

  /** The breaker of (provider, model, proxy or direct); direct-after-proxy-failure is direct. */
  public Breaker deployment(String provider, String model, boolean viaProxy) {
    String route = viaProxy ? "proxy" : "direct";
    String name = provider + "/" + model + " (" + route + ")";
    Breaker existing = deployments.get(name);
    if (existing != null) {
      return existing;
    }
    if (deployments.size() >= MAX_BREAKERS) {
      forgetIdle();
    }
    AtomicInteger open = openCount(provider, route);
    return deployments.computeIfAbsent(
        name,
        n ->
            new Breaker(
                n,
                settings,
                clock,
                (breaker, from, to, openFor) -> {
                  if (from == Breaker.State.CLOSED) {
                    open.incrementAndGet();
                  } else if (to == Breaker.State.CLOSED) {
                    open.decrementAndGet();
                  }
                  logChange(breaker, from, to, openFor);
                }));
  }

  /** The breaker of a proxy endpoint (host:port), shared by every provider that uses it. */
  public Breaker proxy(ProxySettings proxy) {
    String name = "proxy " + proxy.host() + ":" + proxy.port();
    return proxies.computeIfAbsent(
        name,
        n -> {
          Breaker b =
              new Breaker(
                  n, settings, clock, (breaker, from, to, f) -> logChange(breaker, from, to, f));
          Gauge.builder(PROXY_BREAKER_OPEN, b, x -> x.state() == Breaker.State.CLOSED ? 0 : 1)
              .description("1 while the proxy endpoint's circuit breaker is open or half-open")
              .tag("proxy", proxy.host() + ":" + proxy.port())
              .register(registry);
          return b;
        });
  }

  private static void logChange(Breaker b, Breaker.State from, Breaker.State to, Duration openFor) {
    if (to == Breaker.State.OPEN) {
      log.warn(
          "circuit breaker of {} opened for {} ms ({})",
          b.name(),
          openFor.toMillis(),
          from == Breaker.State.HALF_OPEN ? "its probe failed" : "too many calls failed");
    } else if (to == Breaker.State.CLOSED) {
      log.info("circuit breaker of {} closed: its probe succeeded", b.name());
    } else {
      log.debug("circuit breaker of {} half-open: one probe may go", b.name());
    }
  }

  /** Forgets closed deployment breakers unused for a while (or, if none is, every closed one). */
  private void forgetIdle() {
    long now = clock.nanoTime();
    deployments
        .values()
        .removeIf(b -> b.state() == Breaker.State.CLOSED && now - b.lastUsed() > IDLE_NANOS);
    if (deployments.size() >= MAX_BREAKERS) {
      deployments.values().removeIf(b -> b.state() == Breaker.State.CLOSED);
    }
  }

  /** The provider's rate limit, or null when it has none. */
  public RateLimit rateLimit(String provider) {
    return limits.get(provider);
  }

  /**
   * Runs {@code attempt} once the provider's bulkhead has room: at once on this thread, or, when a
   * running call {@link #releaseBulkhead releases} its place, on {@code later}. Never blocks.
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

  /** Gives back a place taken by {@link #whenPermitted}; starts a waiting attempt if any. */
  public void releaseBulkhead(String provider) {
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
}
