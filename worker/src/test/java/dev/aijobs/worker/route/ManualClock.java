package dev.aijobs.worker.route;

import java.time.Duration;

/** A {@link Clock} that only moves when a test moves it. */
final class ManualClock implements Clock {
  /** Arbitrary non-zero origins, so that nothing relies on time starting at 0. */
  private long nanos = 7_000_000_000_000L;

  private long millis = 1_700_000_000_000L;

  @Override
  public synchronized long nanoTime() {
    return nanos;
  }

  @Override
  public synchronized long currentTimeMillis() {
    return millis;
  }

  /** Moves both clocks forward by {@code d}. */
  synchronized void advance(Duration d) {
    nanos += d.toNanos();
    millis += d.toMillis();
  }
}
