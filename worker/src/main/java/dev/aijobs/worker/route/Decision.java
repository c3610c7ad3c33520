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
    /** Same provider, model and route, after {@link #delay}; counts as a retry. */
    RETRY,
    /**
     * Same provider and model, direct instead of through the proxy that carried the failed call,
     * after {@link #delay}; counts as a retry (the request may have reached the provider).
     */
    RETRY_DIRECT,
    /**
     * Same target and route after {@link #delay}: the provider rate-limited the call (429) and no
     * other key is usable; not counted as a retry.
     */
    WAIT_RATE_LIMIT,
    /** Same target at once with the key pool's next key (the last one was refused or limited). */
    ROTATE_KEY,
    /** Same provider and model, direct instead of through the failed proxy, at once. */
    SWITCH_TO_DIRECT,
    /** The next (provider, model) of the job's fallback chain. */
    NEXT_TARGET,
    /** End the job with the last error. */
    GIVE_UP
  }

  static Decision after(Action action, Duration delay) {
    return new Decision(action, delay);
  }

  static Decision of(Action action) {
    return new Decision(action, Duration.ZERO);
  }
}
