package dev.aijobs.worker.route;

/**
 * A provider's call rate limit as a virtual schedule of call slots, {@code 1/rate} apart, with a
 * burst of up to one second's worth. A slot is booked only when it comes within the caller's
 * deadline, so a job that will not use a slot never takes one; a booked slot that goes unused (the
 * job ended while waiting) is {@link #giveBack given back}. Thread-safe.
 */
public final class RateLimit {
  private final long interval;
  private final long burst;
  private final Clock clock;

  /** The theoretical time of the next free slot (GCRA): slots before it are taken. */
  private long next;

  /**
   * A limit of {@code perSecond} calls per second.
   *
   * @param perSecond calls per second, &gt; 0 (fractions allowed: 0.5 is one call every 2 s)
   */
  public RateLimit(double perSecond, Clock clock) {
    if (!(perSecond > 0)) {
      throw new IllegalArgumentException("rate must be > 0: " + perSecond);
    }
    this.interval = Math.max(1, Math.round(1e9 / perSecond));
    long slots = Math.max(1, (long) Math.floor(perSecond));
    this.burst = (slots - 1) * interval;
    this.clock = clock;
    this.next = clock.nanoTime() - burst;
  }

  /**
   * Books the next slot if it comes within {@code maxWaitNanos}.
   *
   * @return a booked slot ({@link Slot#waitNanos()} until it), or null when the next slot is too
   *     far away (nothing is booked)
   */
  public synchronized Slot book(long maxWaitNanos) {
    long now = clock.nanoTime();
    long at = Math.max(next, now - burst);
    long startsAt = Math.max(now, at);
    long wait = startsAt - now;
    if (wait > maxWaitNanos) {
      return null;
    }
    next = at + interval;
    return new Slot(this, wait);
  }

  /** Gives a booked, unused slot back: the schedule moves one slot earlier. */
  synchronized void giveBack() {
    long now = clock.nanoTime();
    next = Math.max(now - burst, next - interval);
  }

  /**
   * A booked slot.
   *
   * @param waitNanos how long after booking the call may start
   */
  public record Slot(RateLimit limit, long waitNanos) {
    /** The call was not made: the slot goes back to the schedule. */
    public void giveBack() {
      limit.giveBack();
    }
  }
}
