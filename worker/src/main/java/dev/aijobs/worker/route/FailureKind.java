package dev.aijobs.worker.route;

import dev.aijobs.protocol.ErrorCode;

/**
 * What went wrong with one attempt, as decided by {@link FailureClassifier}. Each kind says whose
 * fault it is and what the caller does next.
 */
public enum FailureKind {
  /** The proxy refused the TCP connection, or connecting to it timed out. */
  PROXY_UNREACHABLE(ErrorCode.PROXY_UNAVAILABLE, true, true, false),
  /**
   * SOCKS/HTTP-CONNECT handshake failed: auth, no acceptable method, reply failure, stall, garbage.
   */
  PROXY_HANDSHAKE(ErrorCode.PROXY_UNAVAILABLE, true, true, false),
  /** The proxy's own host name does not resolve. */
  PROXY_DNS(ErrorCode.PROXY_UNAVAILABLE, true, true, false),
  /** A direct connection to the provider failed before any response byte. */
  CONNECT_FAILED(ErrorCode.CONNECT_FAILED, false, true, false),
  /** The provider's host name does not resolve (locally). */
  DNS_FAILED(ErrorCode.CONNECT_FAILED, false, true, false),
  /** TLS to the provider failed (certificate, protocol): the provider's side, not the proxy's. */
  TLS_FAILED(ErrorCode.CONNECT_FAILED, false, false, false),
  /** The connection was closed or reset after the request was sent, before any response byte. */
  CLOSED_BEFORE_RESPONSE(ErrorCode.UPSTREAM_ERROR, false, true, false),
  /** The response started and was then cut (connection closed or reset mid-body). */
  CUT_MID_RESPONSE(ErrorCode.UPSTREAM_ERROR, false, true, false),
  /** No response (or no first data) in time: a silent route is not retried, the next is tried. */
  SILENT_TIMEOUT(ErrorCode.TIMEOUT, false, false, true),
  /** Data stopped arriving mid-answer. */
  IDLE_TIMEOUT(ErrorCode.TIMEOUT, false, false, true),
  /** The job's deadline ended the attempt. */
  DEADLINE(ErrorCode.DEADLINE_EXCEEDED, false, false, false),
  /** A local problem: cancelled, pool exhausted, a bug. */
  LOCAL(ErrorCode.INTERNAL, false, false, false);

  private final ErrorCode code;
  private final boolean proxyFault;
  private final boolean retryable;
  private final boolean silent;

  FailureKind(ErrorCode code, boolean proxyFault, boolean retryable, boolean silent) {
    this.code = code;
    this.proxyFault = proxyFault;
    this.retryable = retryable;
    this.silent = silent;
  }

  /** The error code a result carries when this is the last failure. */
  public ErrorCode code() {
    return code;
  }

  /** A proxy-layer failure: the same attempt may switch to direct at once. */
  public boolean isProxyFault() {
    return proxyFault;
  }

  /** The same route may be tried again after a backoff. */
  public boolean isRetryable() {
    return retryable;
  }

  /** The route stayed silent: do not try it again for this job. */
  public boolean isSilent() {
    return silent;
  }
}
