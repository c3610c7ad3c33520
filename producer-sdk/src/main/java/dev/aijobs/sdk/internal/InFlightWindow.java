package dev.aijobs.sdk.internal;

import java.util.concurrent.atomic.AtomicInteger;

/** A non-blocking counting bound on jobs in flight. Thread-safe. */
public final class InFlightWindow {
  private final int max;
  private final AtomicInteger used = new AtomicInteger();

  public InFlightWindow(int max) {
    this.max = max;
  }

  /** Takes a slot if one is free; never waits. */
  public boolean tryAcquire() {
    while (true) {
      int now = used.get();
      if (now >= max) {
        return false;
      }
      if (used.compareAndSet(now, now + 1)) {
        return true;
      }
    }
  }

  /** Gives a slot back. */
  public void release() {
    used.decrementAndGet();
  }

  /** Slots in use. */
  public int inFlight() {
    return used.get();
  }

  /** The bound. */
  public int max() {
    return max;
  }
}
