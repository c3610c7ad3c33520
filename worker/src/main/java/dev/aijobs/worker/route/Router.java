package dev.aijobs.worker.route;

import dev.aijobs.protocol.ErrorCode;
import dev.aijobs.protocol.JobError;
import dev.aijobs.protocol.Route;
import dev.aijobs.worker.config.ProviderConfig;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongUnaryOperator;

/**
 * Every routing decision of a job, in one place; {@code JobRun} only carries them out.
 *
 * <p>Before a call, {@link #admit}: the proxy endpoint's breaker and the deployment's breaker
 * (provider, model, route) are asked, then the provider's rate limit books a slot within the
 * deadline. An open breaker of the proxy route sends the call direct when the provider allows it;
 * an open deployment breaker moves the job to its next target at once, or, with no target left,
 * makes it wait for the breaker's probe if that comes before the deadline.
 *
 * <p>After a failed call, {@link #decide} (the HTTP client's own retries are off):
 *
 * <ul>
 *   <li>A proxy-layer failure switches to direct at once when the provider allows it.
 *   <li>A refused (401/403) or rate-limited (429) key is replaced by the pool's next one at once
 *       (at most {@code MAX_RETRIES} + keys times per target; rotations are not retries).
 *   <li>A transport failure through a proxy after its tunnel was up (reset, cut, silence, stall) is
 *       retried like any other, direct when the provider allows it.
 *   <li>A silent route otherwise (no answer, no first data, stalled stream) is not tried again.
 *   <li>A 429 with no other key left waits its {@code Retry-After} (plus up to a quarter, spread)
 *       or a backoff, as long as the deadline allows; such waits are neither retries nor attempts
 *       of the job's budget (the provider did no work).
 *   <li>Retryable failures (connect failures, 408/409/5xx, cut or malformed answers) are retried
 *       with exponential backoff and jitter, at most {@code MAX_RETRIES} times per target; {@code
 *       Retry-After} is honoured when longer; a wait past the deadline is not taken.
 *   <li>Never retried: 400 (context length, content filter, other), 401/403, 402; the next target
 *       may still accept the job. At most {@code maxAttempts} calls per job.
 * </ul>
 *
 * <p>Thread-safe; pure apart from the guards' state and the jitter source.
 */
public final class Router {
  /** A rate-limit slot leaving less than this before the deadline is not booked: no call fits. */
  static final long MIN_CALL_NANOS = Duration.ofMillis(100).toNanos();

  private final ProviderGuards guards;
  private final Duration base;
  private final Duration max;
  private final int maxAttempts;
  private final LongUnaryOperator jitter;

  /** A router with random jitter. */
  public Router(ProviderGuards guards, Duration base, Duration max, int maxAttempts) {
    this(guards, base, max, maxAttempts, bound -> ThreadLocalRandom.current().nextLong(bound + 1));
  }

  /** A router with a given jitter source ({@code bound → value in [0, bound]}), for tests. */
  public Router(
      ProviderGuards guards,
      Duration base,
      Duration max,
      int maxAttempts,
      LongUnaryOperator jitter) {
    this.guards = guards;
    this.base = base;
    this.max = max;
    this.maxAttempts = maxAttempts;
    this.jitter = jitter;
  }

  /**
   * A call about to be made.
   *
   * @param provider the target's provider
   * @param model the target's model
   * @param route the route the job is on for this target (proxy, direct, or direct after a proxy
   *     failure)
   * @param hasNextTarget whether a fallback remains
   * @param nanosLeft time left to the deadline
   */
  public record Ask(
      ProviderConfig provider, String model, Route route, boolean hasNextTarget, long nanosLeft) {}

  /** The admission answer for {@code ask}. */
  public Admission admit(Ask ask) {
    ProviderConfig p = ask.provider();
    Route route = ask.route();
    String switched = null;
    Breaker proxy = null;
    long proxyPermit = Breaker.PERMIT;
    if (route == Route.PROXY) {
      proxy = guards.proxy(p.proxy());
      proxyPermit = proxy.tryAcquire();
      if (proxyPermit > 0) {
        if (!p.fallbackToDirect()) {
          return refused(
              ask,
              route,
              proxyPermit,
              JobError.of(
                  ErrorCode.PROXY_UNAVAILABLE, "circuit breaker of " + proxy.name() + " is open"));
        }
        proxy = null;
        route = Route.DIRECT_AFTER_PROXY_FAILURE;
        switched = "proxy_breaker_open";
      }
    }
    Breaker deployment = guards.deployment(p.id(), ask.model(), route == Route.PROXY);
    long permit = deployment.tryAcquire();
    if (permit > 0 && route == Route.PROXY && p.fallbackToDirect()) {
      // The deployment is unwell through the proxy: try it direct before giving up on it.
      proxy.release(proxyPermit);
      proxy = null;
      route = Route.DIRECT_AFTER_PROXY_FAILURE;
      switched = "breaker_open";
      deployment = guards.deployment(p.id(), ask.model(), false);
      permit = deployment.tryAcquire();
    }
    if (permit > 0) {
      if (proxy != null) {
        proxy.release(proxyPermit);
      }
      return refused(
          ask,
          route,
          permit,
          JobError.of(
              ErrorCode.UPSTREAM_ERROR, "circuit breaker of " + deployment.name() + " is open"));
    }
    RateLimit.Slot slot = null;
    RateLimit limit = guards.rateLimit(p.id());
    if (limit != null) {
      // A slot free now is taken whatever the time left; a later one must leave room for a call.
      slot = limit.book(Math.max(0, ask.nanosLeft() - MIN_CALL_NANOS));
      if (slot == null) {
        deployment.release(permit);
        if (proxy != null) {
          proxy.release(proxyPermit);
        }
        JobError e =
            JobError.of(
                ErrorCode.RATE_LIMITED,
                "rate limit of " + p.id() + " has no call slot before the job's deadline");
        return Admission.refused(
            ask.hasNextTarget() ? Admission.Kind.SKIP_TARGET : Admission.Kind.GIVE_UP, route, 0, e);
      }
    }
    return Admission.go(
        route, new Permit(guards, p.id(), deployment, permit, proxy, proxyPermit, slot), switched);
  }

  /** A breaker refused: next target, or wait for its probe, or give up. */
  private static Admission refused(Ask ask, Route route, long waitNanos, JobError error) {
    if (ask.hasNextTarget()) {
      return Admission.refused(Admission.Kind.SKIP_TARGET, route, waitNanos, error);
    }
    if (waitNanos < ask.nanosLeft()) {
      return Admission.refused(Admission.Kind.WAIT, route, waitNanos, error);
    }
    return Admission.refused(
        Admission.Kind.GIVE_UP,
        route,
        waitNanos,
        JobError.of(
            error.code(),
            error.message()
                + "; its next probe is in "
                + Duration.ofNanos(waitNanos).toMillis()
                + " ms, after the job's deadline"));
  }

  /**
   * How a call failed.
   *
   * @param code the call's error code
   * @param kind the classifier's verdict for transport failures, null for HTTP-level errors
   * @param retryAfter what the provider asked to wait, or null
   * @param viaProxy whether the call went through the proxy
   */
  public record Failed(ErrorCode code, FailureKind kind, Duration retryAfter, boolean viaProxy) {}

  /**
   * Where the job stands after the failed call.
   *
   * @param retriesOnTarget retries already made on this target (key rotations not included)
   * @param keyRotations calls repeated at once with another key on this target
   * @param rateLimitedWaits waits after a 429 with no other key so far (for the job)
   * @param attemptsMade calls made for the job so far, the failed one included, not counting calls
   *     answered 429
   * @param hasNextTarget whether a fallback remains
   * @param msLeft time left to the deadline
   * @param usableKeys keys of the provider usable right now (after setting the failed one aside)
   */
  public record Standing(
      int retriesOnTarget,
      int keyRotations,
      int rateLimitedWaits,
      int attemptsMade,
      boolean hasNextTarget,
      long msLeft,
      int usableKeys) {}

  /** The next step after a failed call to {@code provider}. */
  public Decision decide(Failed f, Standing s, ProviderConfig provider) {
    if (f.code() == ErrorCode.DEADLINE_EXCEEDED || s.attemptsMade() >= maxAttempts) {
      return Decision.of(Decision.Action.GIVE_UP);
    }
    Decision.Action onwards =
        s.hasNextTarget() ? Decision.Action.NEXT_TARGET : Decision.Action.GIVE_UP;
    FailureKind kind = f.kind();
    boolean direct = provider.fallbackToDirect();
    if (kind != null && kind.isProxyFault() && f.viaProxy() && direct) {
      return Decision.of(Decision.Action.SWITCH_TO_DIRECT);
    }
    boolean keyRefused = f.code() == ErrorCode.AUTH_FAILED || f.code() == ErrorCode.RATE_LIMITED;
    if (keyRefused
        && s.usableKeys() > 0
        && s.keyRotations() < provider.maxRetries() + provider.apiKeys().size()) {
      return Decision.of(Decision.Action.ROTATE_KEY);
    }
    if (f.code() == ErrorCode.RATE_LIMITED) {
      // Back-pressure, not a failure: the provider refused before doing any work. Wait as it
      // asks (spread a little, so that held jobs do not come back all at once) while the
      // deadline allows; not counted as a retry.
      Duration wait =
          f.retryAfter() != null
              ? f.retryAfter().plusMillis(jitter.applyAsLong(f.retryAfter().toMillis() / 4))
              : backoff(s.rateLimitedWaits());
      return wait.toMillis() < s.msLeft()
          ? Decision.after(Decision.Action.WAIT_RATE_LIMIT, wait)
          : Decision.of(onwards);
    }
    boolean proxyCut =
        f.viaProxy()
            && direct
            && kind != null
            && !kind.isProxyFault()
            && (kind.isRetryable() || kind.isSilent());
    if (kind != null && kind.isSilent() && !proxyCut) {
      return Decision.of(onwards);
    }
    boolean retryable = kind != null ? kind.isRetryable() || proxyCut : f.code().isRetryable();
    if (!retryable || s.retriesOnTarget() >= provider.maxRetries()) {
      return Decision.of(onwards);
    }
    Duration delay = backoff(s.retriesOnTarget());
    if (f.retryAfter() != null && f.retryAfter().compareTo(delay) > 0) {
      delay = f.retryAfter();
    }
    if (delay.toMillis() >= s.msLeft()) {
      return Decision.of(onwards);
    }
    return Decision.after(proxyCut ? Decision.Action.RETRY_DIRECT : Decision.Action.RETRY, delay);
  }

  /** Exponential backoff with equal jitter: half fixed, half random, capped. */
  Duration backoff(int retry) {
    long exp = base.toMillis() << Math.min(retry, 20);
    long capped = Math.min(max.toMillis(), exp);
    long half = capped / 2;
    return Duration.ofMillis(half + jitter.applyAsLong(capped - half));
  }
}
