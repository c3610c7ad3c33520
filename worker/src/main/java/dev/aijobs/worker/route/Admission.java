package dev.aijobs.worker.route;

import dev.aijobs.protocol.JobError;
import dev.aijobs.protocol.Route;

/**
 * The answer before a call: go (perhaps direct because a breaker of the proxy route is open), wait
 * for a breaker's probe, skip this target, or give up.
 *
 * @param kind what to do
 * @param route the route the call takes ({@link Kind#GO}), or the one that was refused
 * @param permit what the call holds ({@link Kind#GO} only); settle it exactly once
 * @param waitNanos how long until the refusing breaker lets a probe through (0 for {@link Kind#GO}
 *     and rate-limit refusals); a {@link Kind#WAIT} asks again then
 * @param error why the target cannot be tried now (all but {@link Kind#GO})
 * @param switchedBecause why a proxy route was replaced by direct ({@code breaker_open}, {@code
 *     proxy_breaker_open}), or null
 */
public record Admission(
    Kind kind, Route route, Permit permit, long waitNanos, JobError error, String switchedBecause) {

  /** What to do. */
  public enum Kind {
    /** Make the call on {@link #route} holding {@link #permit}. */
    GO,
    /** No fallback is left and a breaker's probe comes within the deadline: ask again then. */
    WAIT,
    /** This target cannot be tried now: the next one. */
    SKIP_TARGET,
    /** Nothing can be tried before the deadline: end the job with {@link #error}. */
    GIVE_UP
  }

  static Admission go(Route route, Permit permit, String switchedBecause) {
    return new Admission(Kind.GO, route, permit, 0, null, switchedBecause);
  }

  static Admission refused(Kind kind, Route route, long waitNanos, JobError error) {
    return new Admission(kind, route, null, waitNanos, error, null);
  }
}
