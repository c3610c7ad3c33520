package dev.aijobs.worker.route;

/**
 * The time source of routing decisions and job runs: the system's in production, a hand-moved one
 * in tests.
 */
public interface Clock {
  /** The system clock. */
  Clock SYSTEM =
      new Clock() {
        @Override
        public long nanoTime() {
          return System.nanoTime();
        }

        @Override
        public long currentTimeMillis() {
          return System.currentTimeMillis();
        }
      };

  /** Monotonic nanoseconds, as {@link System#nanoTime()}. */
  long nanoTime();

  /** Wall-clock epoch milliseconds, as {@link System#currentTimeMillis()} (deadlines use it). */
  long currentTimeMillis();
}
