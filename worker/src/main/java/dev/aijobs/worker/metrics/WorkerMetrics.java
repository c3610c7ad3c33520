package dev.aijobs.worker.metrics;

import dev.aijobs.protocol.ErrorCode;
import dev.aijobs.protocol.Route;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The metric catalog of the worker: every meter it exports, with its type, unit and tags. Dot names
 * here become Prometheus names on the wire ({@code aijobs.job.duration} → {@code
 * aijobs_job_duration_seconds_bucket}). Tags are low-cardinality only: provider ids come from
 * configuration, never from a job; never job ids, models or URLs. Thread-safe.
 *
 * <table>
 *   <caption>Catalog</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>aijobs.job.queue.wait</td><td>timer</td><td>provider</td>
 *       <td>publish ({@code created_ms} or AMQP timestamp) to consume</td></tr>
 *   <tr><td>aijobs.attempt.duration</td><td>timer</td><td>provider, route, outcome</td>
 *       <td>one provider call</td></tr>
 *   <tr><td>aijobs.job.duration</td><td>timer</td><td>provider, outcome</td>
 *       <td>consume to result confirmed by the broker (end-to-end inside the worker)</td></tr>
 *   <tr><td>aijobs.job.ttft</td><td>timer</td><td>provider</td>
 *       <td>consume to first streamed token</td></tr>
 *   <tr><td>aijobs.jobs.completed</td><td>counter</td><td>provider, outcome, code</td>
 *       <td>jobs answered, by outcome and error code</td></tr>
 *   <tr><td>aijobs.jobs.dead.lettered</td><td>counter</td><td>code</td>
 *       <td>jobs sent to {@code ai.jobs.dead}</td></tr>
 *   <tr><td>aijobs.proxy.failures</td><td>counter</td><td>provider, kind</td>
 *       <td>proxy-layer failures (proxy_unreachable, proxy_handshake, proxy_dns)</td></tr>
 *   <tr><td>aijobs.proxy.fallbacks</td><td>counter</td><td>provider, reason</td>
 *       <td>attempts switched from proxy to direct (reason: failure kind, breaker_open or
 *       proxy_breaker_open)</td></tr>
 *   <tr><td>aijobs.retries</td><td>counter</td><td>provider, code</td>
 *       <td>retries of a target after a retryable failure (same route, direct after a failure
 *       through the proxy, or with another key)</td></tr>
 *   <tr><td>aijobs.reply.failures</td><td>counter</td><td></td>
 *       <td>results the broker did not confirm (published again until the deadline plus a grace,
 *       then dead-lettered with the result)</td></tr>
 *   <tr><td>aijobs.breakers.open</td><td>gauge</td><td>provider, route</td>
 *       <td>deployment circuit breakers (provider, model, route) open or half-open</td></tr>
 *   <tr><td>aijobs.proxy.breaker.open</td><td>gauge</td><td>proxy</td>
 *       <td>1 while the proxy endpoint's circuit breaker is open or half-open</td></tr>
 *   <tr><td>aijobs.jobs.in.flight</td><td>gauge</td><td></td><td>jobs being processed</td></tr>
 *   <tr><td>aijobs.http.connections.open</td><td>gauge</td><td></td>
 *       <td>open connections of the HTTP client</td></tr>
 * </table>
 */
public final class WorkerMetrics {
  public static final String QUEUE_WAIT = "aijobs.job.queue.wait";
  public static final String ATTEMPT_DURATION = "aijobs.attempt.duration";
  public static final String JOB_DURATION = "aijobs.job.duration";
  public static final String TTFT = "aijobs.job.ttft";
  public static final String JOBS_COMPLETED = "aijobs.jobs.completed";
  public static final String DEAD_LETTERED = "aijobs.jobs.dead.lettered";
  public static final String REPLY_FAILURES = "aijobs.reply.failures";
  public static final String IN_FLIGHT = "aijobs.jobs.in.flight";
  public static final String HTTP_CONNECTIONS = "aijobs.http.connections.open";
  public static final String PROXY_FAILURES = "aijobs.proxy.failures";
  public static final String PROXY_FALLBACKS = "aijobs.proxy.fallbacks";
  public static final String RETRIES = "aijobs.retries";
  public static final String TOKENS = "aijobs.tokens";
  public static final String RESULTS_UNROUTABLE = "aijobs.results.unroutable";
  public static final String COST = "aijobs.cost";

  /** Tag value for jobs whose provider is unknown or not yet decoded. */
  public static final String NO_PROVIDER = "none";

  /** Service-level buckets from 5 ms to 300 s, so p95/p99 aggregate across workers. */
  static final Duration[] SLO_BUCKETS = {
    Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
    Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
    Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
    Duration.ofSeconds(60), Duration.ofSeconds(120), Duration.ofSeconds(300)
  };

  private final MeterRegistry registry;
  private final Map<Key, Timer> timers = new ConcurrentHashMap<>();
  private final Map<Key, Counter> counters = new ConcurrentHashMap<>();
  private final Counter replyFailures;

  /** Registers the gauges; {@code inFlight} and {@code openConnections} are polled on scrape. */
  public WorkerMetrics(
      MeterRegistry registry, Supplier<Number> inFlight, Supplier<Number> openConnections) {
    this.registry = registry;
    Gauge.builder(IN_FLIGHT, inFlight).description("jobs being processed").register(registry);
    Gauge.builder(HTTP_CONNECTIONS, openConnections)
        .description("open connections of the HTTP client")
        .register(registry);
    this.replyFailures =
        Counter.builder(REPLY_FAILURES)
            .description("results the broker did not confirm")
            .register(registry);
    unroutableCounter(); // present from the start at 0
    // Present from the start at 0, so that rate()/increase() see the first dead letter.
    for (ErrorCode code :
        new ErrorCode[] {ErrorCode.INVALID_JOB, ErrorCode.UNKNOWN_PROVIDER, ErrorCode.INTERNAL}) {
      counter(DEAD_LETTERED, "jobs sent to ai.jobs.dead", "code", code.wireName());
    }
  }

  /** The registry the meters live in. */
  public MeterRegistry registry() {
    return registry;
  }

  public void queueWait(String provider, long millis) {
    timer(QUEUE_WAIT, "publish to consume", "provider", provider)
        .record(Math.max(0, millis), TimeUnit.MILLISECONDS);
  }

  public void attempt(String provider, Route route, String outcome, long nanos) {
    timer(
            ATTEMPT_DURATION,
            "one provider call",
            "provider",
            provider,
            "route",
            route.wireName(),
            "outcome",
            outcome)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  public void ttft(String provider, long nanos) {
    timer(TTFT, "consume to first streamed token", "provider", provider)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Records a finished job: its duration and its outcome counter. */
  public void jobCompleted(String provider, ErrorCode code, long nanos) {
    String outcome = code == null ? "ok" : "error";
    timer(JOB_DURATION, "consume to result confirmed", "provider", provider, "outcome", outcome)
        .record(nanos, TimeUnit.NANOSECONDS);
    counter(
            JOBS_COMPLETED,
            "jobs answered",
            "provider",
            provider,
            "outcome",
            outcome,
            "code",
            code == null ? "none" : code.wireName())
        .increment();
  }

  public void proxyFailure(String provider, dev.aijobs.worker.route.FailureKind kind) {
    counter(
            PROXY_FAILURES,
            "proxy-layer failures",
            "provider",
            provider,
            "kind",
            kind.name().toLowerCase(java.util.Locale.ROOT))
        .increment();
  }

  public void fallback(String provider, String reason) {
    counter(PROXY_FALLBACKS, "proxy to direct fallbacks", "provider", provider, "reason", reason)
        .increment();
  }

  public void retry(String provider, ErrorCode code) {
    counter(RETRIES, "retries of a target", "provider", provider, "code", code.wireName())
        .increment();
  }

  public void deadLettered(ErrorCode code) {
    counter(DEAD_LETTERED, "jobs sent to ai.jobs.dead", "code", code.wireName()).increment();
  }

  /** Tokens and cost of an answer, as its provider reported them (nothing when it did not). */
  public void usage(String provider, dev.aijobs.protocol.Usage u) {
    if (u == null) {
      return;
    }
    tokens(provider, "prompt", u.promptTokens());
    tokens(provider, "completion", u.completionTokens());
    tokens(provider, "cached", u.cachedTokens());
    tokens(provider, "reasoning", u.reasoningTokens());
    if (u.cost() != null) {
      counter(COST, "cost reported by providers, in each provider's unit", "provider", provider)
          .increment(u.cost().doubleValue());
    }
  }

  private void tokens(String provider, String kind, Integer n) {
    if (n != null && n > 0) {
      counter(TOKENS, "tokens reported by providers", "provider", provider, "kind", kind)
          .increment(n);
    }
  }

  /** A result the broker returned: its {@code reply_to} queue does not exist. */
  public void resultUnroutable() {
    unroutableCounter().increment();
  }

  private Counter unroutableCounter() {
    return counter(RESULTS_UNROUTABLE, "results returned by the broker: no such reply_to queue");
  }

  public void replyFailed() {
    replyFailures.increment();
  }

  private Timer timer(String name, String description, String... tags) {
    Key key = new Key(name, tags);
    Timer found = timers.get(key); // no lambda and no lock when it exists, as it almost always does
    if (found != null) {
      return found;
    }
    return timers.computeIfAbsent(
        key,
        k ->
            Timer.builder(name)
                .description(description)
                .tags(tags)
                .publishPercentileHistogram()
                .serviceLevelObjectives(SLO_BUCKETS)
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(300))
                .register(registry));
  }

  private Counter counter(String name, String description, String... tags) {
    Key key = new Key(name, tags);
    Counter found = counters.get(key);
    if (found != null) {
      return found;
    }
    return counters.computeIfAbsent(
        key, k -> Counter.builder(name).description(description).tags(tags).register(registry));
  }

  /**
   * A meter's name and tags as a map key: looked up on every job, so it is compared as it is given
   * (no string built per lookup). The tag array is the caller's varargs array and never changed.
   */
  private static final class Key {
    private final String name;
    private final String[] tags;
    private final int hash;

    Key(String name, String[] tags) {
      this.name = name;
      this.tags = tags;
      this.hash = 31 * name.hashCode() + java.util.Arrays.hashCode(tags);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k
          && hash == k.hash
          && name.equals(k.name)
          && java.util.Arrays.equals(tags, k.tags);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
