package dev.aijobs.worker.route;

import dev.aijobs.protocol.ErrorCode;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongUnaryOperator;

/**
 * The one retry authority (the HTTP client's own retries are off). Given how an attempt failed and
 * where the job stands, decides: retry the same route after a backoff, switch a failed proxy to
 * direct, move to the next fallback, or give up. Pure apart from the jitter source; thread-safe.
 *
 * <ul>
 *   <li>A proxy-layer failure switches to direct at once when the provider allows it.
 *   <li>A silent route (no answer, no first data, stalled stream) is not tried again: next target.
 *   <li>Retryable failures (connect failures before any response byte, 408/409/429/5xx, cut or
 *       malformed answers) are retried with exponential backoff and jitter, at most {@code
 *       maxRetries} times per target; {@code Retry-After} is honoured when it is longer.
 *   <li>A wait that would end past the deadline is not taken: next target, or give up.
 *   <li>Never retried: 400 (context length, content filter, other), 401/403, 402 — the next target
 *       may still accept the job.
 *   <li>At most {@code maxAttempts} calls per job.
 * </ul>
 */
public final class RetryPolicy {
  private final Duration base;
  private final Duration max;
  private final int maxAttempts;
  private final LongUnaryOperator jitter;

  /** A policy with random jitter. */
  public RetryPolicy(Duration base, Duration max, int maxAttempts) {
    this(base, max, maxAttempts, bound -> ThreadLocalRandom.current().nextLong(bound + 1));
  }

  /** A policy with a given jitter source ({@code bound → value in [0, bound]}), for tests. */
  public RetryPolicy(Duration base, Duration max, int maxAttempts, LongUnaryOperator jitter) {
    this.base = base;
    this.max = max;
    this.maxAttempts = maxAttempts;
    this.jitter = jitter;
  }

  /**
   * Decides the next step.
   *
   * @param failure how the attempt failed
   */
  public Decision decide(Failure failure) {
    if (failure.code() == ErrorCode.DEADLINE_EXCEEDED || failure.attemptsMade() >= maxAttempts) {
      return Decision.of(Decision.Action.GIVE_UP);
    }
    Decision.Action onwards =
        failure.hasNextTarget() ? Decision.Action.NEXT_TARGET : Decision.Action.GIVE_UP;
    FailureKind kind = failure.kind();
    if (kind != null && kind.isProxyFault() && failure.viaProxy() && failure.directAllowed()) {
      return Decision.of(Decision.Action.SWITCH_TO_DIRECT);
    }
    if (kind != null && kind.isSilent()) {
      return Decision.of(onwards);
    }
    boolean retryable = kind != null ? kind.isRetryable() : failure.code().isRetryable();
    if (!retryable || failure.retriesOnTarget() >= failure.maxRetries()) {
      return Decision.of(onwards);
    }
    Duration delay = backoff(failure.retriesOnTarget());
    if (failure.retryAfter() != null && failure.retryAfter().compareTo(delay) > 0) {
      delay = failure.retryAfter();
    }
    if (delay.toMillis() >= failure.msLeft()) {
      return Decision.of(onwards);
    }
    return Decision.retry(delay);
  }

  /** Exponential backoff with equal jitter: half fixed, half random, capped. */
  Duration backoff(int retry) {
    long exp = base.toMillis() << Math.min(retry, 20);
    long capped = Math.min(max.toMillis(), exp);
    long half = capped / 2;
    return Duration.ofMillis(half + jitter.applyAsLong(capped - half));
  }

  /**
   * The facts about a failed attempt.
   *
   * @param code the attempt's error code
   * @param kind the classifier's verdict for transport failures, null for HTTP-level errors
   * @param viaProxy whether the attempt went through the proxy
   * @param directAllowed whether the provider allows proxy → direct fallback
   * @param retryAfter what the provider asked to wait, or null
   * @param retriesOnTarget retries already made on this (provider, model)
   * @param maxRetries the provider's retry limit
   * @param attemptsMade calls made for the job so far, this one included
   * @param hasNextTarget whether a fallback remains
   * @param msLeft time left to the deadline
   */
  public record Failure(
      ErrorCode code,
      FailureKind kind,
      boolean viaProxy,
      boolean directAllowed,
      Duration retryAfter,
      int retriesOnTarget,
      int maxRetries,
      int attemptsMade,
      boolean hasNextTarget,
      long msLeft) {}
}
