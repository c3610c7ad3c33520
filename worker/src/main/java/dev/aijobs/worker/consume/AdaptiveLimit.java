package dev.aijobs.worker.consume;

import dev.aijobs.worker.route.Clock;
import java.time.Duration;

/**
 * A lane's in-flight limit, adapted by AIMD between a floor and a ceiling: each answer adds {@code
 * 1/limit} (about one per round of calls), an overload signal multiplies it by {@link #DECREASE}
 * (at most once per {@link #DECREASE_GAP}, so one burst of failures counts once). Starts at the
 * ceiling. Thread-safe.
 */
final class AdaptiveLimit {
  static final double DECREASE = 0.7;
  static final Duration DECREASE_GAP = Duration.ofSeconds(1);

  private final int min;
  private final int max;
  private final Clock clock;
  private double limit;
  private double threshold;
  private long lastDecrease;
  private boolean decreased;

  AdaptiveLimit(int min, int max, Clock clock) {
    if (min < 1 || max < min) {
      throw new IllegalArgumentException(
          "bounds must satisfy 1 <= min <= max: " + min + ", " + max);
    }
    this.min = min;
    this.max = max;
    this.clock = clock;
    this.limit = max;
  }

  synchronized void onAnswered() {
    limit = Math.min(max, limit < threshold ? limit + 1 : limit + 1.0 / limit);
  }

  /** The provider refuses everything for a while: start again from the floor after the pause. */
  synchronized void onPause() {
    threshold = Math.max(min, limit / 2);
    limit = min;
    decreased = true;
    lastDecrease = clock.nanoTime();
  }

  synchronized void onOverload() {
    long now = clock.nanoTime();
    if (decreased && now - lastDecrease < DECREASE_GAP.toNanos()) {
      return;
    }
    decreased = true;
    lastDecrease = now;
    limit = Math.max(min, limit * DECREASE);
    threshold = limit;
  }

  /** The limit now, a whole number of jobs. */
  synchronized int current() {
    return (int) Math.floor(limit);
  }

  int min() {
    return min;
  }

  int max() {
    return max;
  }
}
