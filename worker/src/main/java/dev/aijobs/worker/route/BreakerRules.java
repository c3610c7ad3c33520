package dev.aijobs.worker.route;

import dev.aijobs.protocol.ErrorCode;

/**
 * Which attempt outcomes a breaker counts. A deployment's breaker counts only what says the
 * deployment is unhealthy: connect failures, 5xx, timeouts, cut or malformed answers. A 4xx answer
 * is a healthy deployment refusing a request (a success); 429 is back-pressure (key pools and
 * {@code Retry-After} handle it), and the job's deadline or a local cancellation say nothing about
 * the provider: those only release the permit, as do proxy-layer failures, which count on the
 * proxy's breaker instead. A proxy's breaker counts proxy-layer failures, and an answer relayed
 * through it as a success; a transport failure after its tunnel was up (whose fault is unknown) and
 * local outcomes only release.
 */
public final class BreakerRules {
  private BreakerRules() {}

  /** What an outcome does to a breaker. */
  public enum Effect {
    /** A counted success. */
    SUCCESS,
    /** A counted failure. */
    FAILURE,
    /** Not counted: the permit is given back. */
    RELEASE
  }

  /**
   * The effect on the deployment's breaker.
   *
   * @param code the attempt's error code, null when it was answered
   * @param kind the classifier's verdict for transport failures, null for answers
   */
  public static Effect deployment(ErrorCode code, FailureKind kind) {
    if (code == null) {
      return Effect.SUCCESS;
    }
    if (kind != null && kind.isProxyFault()) {
      return Effect.RELEASE;
    }
    return switch (code) {
      case UPSTREAM_ERROR, TIMEOUT, CONNECT_FAILED, TRUNCATED_STREAM, MALFORMED_RESPONSE ->
          Effect.FAILURE;
      case RATE_LIMITED, DEADLINE_EXCEEDED, INTERNAL, PROXY_UNAVAILABLE -> Effect.RELEASE;
      default -> Effect.SUCCESS;
    };
  }

  /** The effect on the breaker of the proxy endpoint the attempt went through. */
  public static Effect proxy(ErrorCode code, FailureKind kind) {
    if (kind != null) {
      return kind.isProxyFault() ? Effect.FAILURE : Effect.RELEASE;
    }
    if (code == ErrorCode.DEADLINE_EXCEEDED || code == ErrorCode.INTERNAL) {
      return Effect.RELEASE;
    }
    return Effect.SUCCESS; // an answer, good or bad, came through the proxy
  }
}
