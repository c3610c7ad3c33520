package dev.aijobs.worker.route;

import java.time.Duration;

/**
 * What a job does after a failed attempt.
 *
 * @param action the next step
 * @param delay how long to wait before it (zero when immediate)
 */
public record Decision(Action action, Duration delay) {
  /** The next step after a failed attempt. */
  public enum Action {
    /** Same provider, model and route, after {@link #delay}. */
    RETRY,
    /** Same provider and model, direct instead of through the failed proxy, at once. */
    SWITCH_TO_DIRECT,
    /** The next (provider, model) of the job's fallback chain. */
    NEXT_TARGET,
    /** End the job with the last error. */
    GIVE_UP
  }

  static Decision retry(Duration delay) {
    return new Decision(Action.RETRY, delay);
  }

  static Decision of(Action action) {
    return new Decision(action, Duration.ZERO);
  }
}
