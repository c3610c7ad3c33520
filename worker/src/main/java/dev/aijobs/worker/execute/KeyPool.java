package dev.aijobs.worker.execute;

import dev.aijobs.worker.config.Secret;
import dev.aijobs.worker.route.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A provider's API keys, rotated across attempts. A key answered with 401/403 or 429 is set aside
 * for a while without stopping the others; when every key is set aside, the one free soonest is
 * used. Keys never leave this class except as the bearer token of a call. Thread-safe.
 */
final class KeyPool {
  static final Duration AUTH_FAILURE_PAUSE = Duration.ofMinutes(5);
  static final Duration RATE_LIMIT_PAUSE = Duration.ofSeconds(30);

  private final List<Secret> keys;
  private final AtomicLongArray benchedUntil;
  private final AtomicInteger next = new AtomicInteger();
  private final Clock clock;

  KeyPool(List<Secret> keys, Clock clock) {
    this.keys = List.copyOf(keys);
    this.clock = clock;
    this.benchedUntil = new AtomicLongArray(keys.size());
  }

  /** The key for the next attempt, or null when the provider has none. */
  Secret next() {
    int n = keys.size();
    if (n == 0) {
      return null;
    }
    long now = clock.nanoTime();
    int start = Math.floorMod(next.getAndIncrement(), n);
    int soonest = start;
    for (int i = 0; i < n; i++) {
      int k = (start + i) % n;
      long until = benchedUntil.get(k);
      if (until == 0 || until - now <= 0) {
        return keys.get(k);
      }
      if (until - benchedUntil.get(soonest) < 0) {
        soonest = k;
      }
    }
    return keys.get(soonest);
  }

  /** Sets {@code key} aside for {@code pause}. */
  void bench(Secret key, Duration pause) {
    int i = keys.indexOf(key);
    if (i >= 0) {
      benchedUntil.set(i, clock.nanoTime() + Math.max(1, saturatedNanos(pause)));
    }
  }

  /** How many keys the pool has. */
  int size() {
    return keys.size();
  }

  /** How many keys are usable right now. */
  int available() {
    long now = clock.nanoTime();
    int free = 0;
    for (int i = 0; i < keys.size(); i++) {
      long until = benchedUntil.get(i);
      if (until == 0 || until - now <= 0) {
        free++;
      }
    }
    return free;
  }

  /** {@code d} in nanoseconds, at most a year (never overflows). */
  static long saturatedNanos(java.time.Duration d) {
    return d.compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE.toNanos() : d.toNanos();
  }

  private static final java.time.Duration MAX_PAUSE = java.time.Duration.ofDays(365);
}
