package dev.aijobs.worker.route;

import java.time.Duration;

/**
 * A circuit breaker for one deployment (provider, model, route) or one proxy endpoint. Closed, it
 * judges the failure rate over the last {@code window} counted calls (at least {@code minCalls});
 * over the threshold it opens. Open, it rejects calls and says how long until a probe may go; then
 * one probe at a time is let through (half-open): its success closes the breaker, its failure opens
 * it again for twice as long (up to the maximum). What counts is decided by {@link BreakerRules};
 * outcomes that do not count only {@link #release} the permit. Thread-safe.
 */
public final class Breaker {
  /** What {@link #tryAcquire()} returns for a normal permit. */
  public static final long PERMIT = 0;

  /** What {@link #tryAcquire()} returns for the half-open probe's permit. */
  public static final long PROBE = -1;

  /** How soon to ask again while another call is the probe. */
  static final long PROBE_BUSY_NANOS = Duration.ofMillis(200).toNanos();

  /** A breaker's state. */
  public enum State {
    CLOSED,
    OPEN,
    HALF_OPEN
  }

  /** Told of every state change (for metrics and the log); called under the breaker's lock. */
  public interface Listener {
    void changed(Breaker breaker, State from, State to, Duration openFor);
  }

  /**
   * The thresholds.
   *
   * @param failureRatePercent the failure percentage that opens the breaker
   * @param window counted calls judged
   * @param minCalls counted calls needed before judging
   * @param firstOpen how long the first opening lasts
   * @param maxOpen the longest opening
   */
  public record Settings(
      int failureRatePercent, int window, int minCalls, Duration firstOpen, Duration maxOpen) {}

  private final String name;
  private final Settings settings;
  private final Clock clock;
  private final Listener listener;
  private final boolean[] ring;
  private int size;
  private int next;
  private int failures;
  private State state = State.CLOSED;
  private long openUntil;
  private int openings;
  private boolean probeOut;
  private volatile long lastUsed;

  public Breaker(String name, Settings settings, Clock clock, Listener listener) {
    this.name = name;
    this.settings = settings;
    this.clock = clock;
    this.listener = listener;
    this.ring = new boolean[settings.window()];
    this.lastUsed = clock.nanoTime();
  }

  /** What the breaker guards, e.g. {@code openrouter/gpt-4o (direct)}. */
  public String name() {
    return name;
  }

  public synchronized State state() {
    return state;
  }

  /** When the breaker was last asked for a permit ({@link Clock#nanoTime()}). */
  long lastUsed() {
    return lastUsed;
  }

  /**
   * Asks to make a call.
   *
   * @return {@link #PERMIT}, {@link #PROBE} (this call decides whether the breaker closes), or the
   *     nanoseconds (&gt; 0) until asking again is worth it
   */
  public synchronized long tryAcquire() {
    long now = clock.nanoTime();
    lastUsed = now;
    if (state == State.CLOSED) {
      return PERMIT;
    }
    if (state == State.OPEN) {
      long left = openUntil - now;
      if (left > 0) {
        return left;
      }
      transition(State.HALF_OPEN, Duration.ZERO);
      probeOut = false;
    }
    if (probeOut) {
      return PROBE_BUSY_NANOS;
    }
    probeOut = true;
    return PROBE;
  }

  /** A counted success of a call permitted with {@code permit}. */
  public synchronized void onSuccess(long permit) {
    if (permit == PROBE) {
      if (state == State.HALF_OPEN) {
        openings = 0;
        resetWindow();
        transition(State.CLOSED, Duration.ZERO);
      }
      probeOut = false;
    } else if (state == State.CLOSED) {
      record(false);
    }
  }

  /** A counted failure of a call permitted with {@code permit}. */
  public synchronized void onFailure(long permit) {
    if (permit == PROBE) {
      probeOut = false;
      if (state == State.HALF_OPEN) {
        open();
      }
    } else if (state == State.CLOSED) {
      record(true);
      if (size >= settings.minCalls()
          && (long) failures * 100 >= (long) settings.failureRatePercent() * size) {
        open();
      }
    }
    // Outcomes of calls permitted before the breaker opened decide nothing now.
  }

  /** Gives back a permit whose call ended without a counted outcome. */
  public synchronized void release(long permit) {
    if (permit == PROBE) {
      probeOut = false;
    }
  }

  private void record(boolean failed) {
    if (size == ring.length) {
      if (ring[next]) {
        failures--;
      }
    } else {
      size++;
    }
    ring[next] = failed;
    if (failed) {
      failures++;
    }
    next = (next + 1) % ring.length;
  }

  private void resetWindow() {
    size = 0;
    next = 0;
    failures = 0;
  }

  private void open() {
    Duration openFor = openDuration(openings++);
    openUntil = clock.nanoTime() + openFor.toNanos();
    resetWindow();
    transition(State.OPEN, openFor);
  }

  /** The {@code n}-th consecutive opening (from 0): the first doubled n times, capped. */
  Duration openDuration(int n) {
    Duration d = settings.firstOpen();
    for (int i = 0; i < n && d.compareTo(settings.maxOpen()) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(settings.maxOpen()) > 0 ? settings.maxOpen() : d;
  }

  private void transition(State to, Duration openFor) {
    State from = state;
    state = to;
    listener.changed(this, from, to, openFor);
  }

  @Override
  public String toString() {
    return name;
  }
}
