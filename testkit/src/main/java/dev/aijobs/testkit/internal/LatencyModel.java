package dev.aijobs.testkit.internal;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The server-wide answer delay: a base latency plus a uniform random extra in {@code [0, jitter]}.
 *
 * @param base the fixed part, not negative
 * @param jitter the upper bound of the random extra, not negative
 */
public record LatencyModel(Duration base, Duration jitter) {

  /** Validates both parts. */
  public LatencyModel {
    if (base.isNegative() || jitter.isNegative()) {
      throw new IllegalArgumentException("latency and jitter must not be negative");
    }
  }

  /**
   * Draws one delay. Thread-safe.
   *
   * @return base plus a uniformly distributed extra
   */
  public Duration sample() {
    long jitterNanos = jitter.toNanos();
    if (jitterNanos == 0) {
      return base;
    }
    return base.plusNanos(ThreadLocalRandom.current().nextLong(jitterNanos + 1));
  }
}
