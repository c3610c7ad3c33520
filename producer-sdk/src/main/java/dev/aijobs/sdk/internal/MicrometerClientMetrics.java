package dev.aijobs.sdk.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The SDK's metrics catalog, every meter tagged {@code client} (the connection name):
 *
 * <ul>
 *   <li>{@code aijobs.sdk.jobs.accepted} (counter, tag {@code kind}: submit, stream, publish);
 *   <li>{@code aijobs.sdk.job.duration} (timer, tag {@code status}: ok, error): accept to result;
 *   <li>{@code aijobs.sdk.jobs.failed} (counter, tag {@code reason}: in_flight_limit, duplicate_id,
 *       blocked, returned, nacked, connection_lost, timeout, closed, invalid_reply);
 *   <li>{@code aijobs.sdk.results.unclaimed}, {@code aijobs.sdk.results.duplicate} (counters);
 *   <li>{@code aijobs.sdk.in.flight} (gauge).
 * </ul>
 *
 * Loaded only when a registry is configured, so Micrometer stays an optional dependency.
 */
final class MicrometerClientMetrics implements ClientMetrics {
  private final MeterRegistry registry;
  private final String client;
  private final Counter unclaimed;
  private final Counter duplicate;

  private MicrometerClientMetrics(MeterRegistry registry, String client) {
    this.registry = registry;
    this.client = client;
    this.unclaimed = counter("aijobs.sdk.results.unclaimed", "results no future waited for");
    this.duplicate = counter("aijobs.sdk.results.duplicate", "results dropped as duplicates");
  }

  static ClientMetrics create(Object registry, String client, IntSupplier inFlight) {
    MicrometerClientMetrics m = new MicrometerClientMetrics((MeterRegistry) registry, client);
    Gauge.builder("aijobs.sdk.in.flight", inFlight, IntSupplier::getAsInt)
        .description("jobs accepted and not yet answered (or confirmed, for publish)")
        .tag("client", client)
        .register(m.registry);
    return m;
  }

  @Override
  public void accepted(String kind) {
    Counter.builder("aijobs.sdk.jobs.accepted")
        .description("jobs accepted for publishing")
        .tags("client", client, "kind", kind)
        .register(registry)
        .increment();
  }

  @Override
  public void result(String status, long nanos) {
    Timer.builder("aijobs.sdk.job.duration")
        .description("time from accepting a job to its result")
        .tags("client", client, "status", status)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(5))
        .maximumExpectedValue(Duration.ofSeconds(300))
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void unclaimed() {
    unclaimed.increment();
  }

  @Override
  public void duplicate() {
    duplicate.increment();
  }

  @Override
  public void failed(String reason) {
    Counter.builder("aijobs.sdk.jobs.failed")
        .description("jobs failed in the client, by reason")
        .tags("client", client, "reason", reason)
        .register(registry)
        .increment();
  }

  private Counter counter(String name, String description) {
    return Counter.builder(name).description(description).tag("client", client).register(registry);
  }
}
