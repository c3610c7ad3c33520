package dev.aijobs.protocol;

import java.util.Locale;

/** The closed set of error codes a result may carry. The wire form is the lower-case name. */
public enum ErrorCode {
  /** The job could not be decoded or failed validation. Never retried. */
  INVALID_JOB(false),
  /** The job names a provider this worker does not know. */
  UNKNOWN_PROVIDER(false),
  /** The deadline passed before an answer could be given. */
  DEADLINE_EXCEEDED(false),
  /** The proxy failed and a direct route was not allowed or failed too. */
  PROXY_UNAVAILABLE(true),
  /** The provider could not be reached (connect failure before any response byte). */
  CONNECT_FAILED(true),
  /** The provider did not answer in time (first byte, idle or total). */
  TIMEOUT(true),
  /** HTTP 429. */
  RATE_LIMITED(true),
  /** HTTP 5xx, 408 or 409. */
  UPSTREAM_ERROR(true),
  /** HTTP 401 or 403. */
  AUTH_FAILED(false),
  /** HTTP 402. */
  INSUFFICIENT_CREDITS(false),
  /** HTTP 400 because the prompt is too long for the model. */
  CONTEXT_LENGTH_EXCEEDED(false),
  /** HTTP 400 because a content filter refused the request. */
  CONTENT_FILTERED(false),
  /** Any other HTTP 4xx. */
  BAD_REQUEST(false),
  /** A stream ended or stalled before a {@code finish_reason}. */
  TRUNCATED_STREAM(true),
  /** The provider answered something that is not a valid completion. */
  MALFORMED_RESPONSE(true),
  /** A bug or an unexpected local failure in the worker. */
  INTERNAL(false);

  private final boolean retryable;
  private final String wireName;

  ErrorCode(boolean retryable) {
    this.retryable = retryable;
    this.wireName = name().toLowerCase(Locale.ROOT);
  }

  /** Whether the same request may succeed when tried again later. */
  public boolean isRetryable() {
    return retryable;
  }

  /** The code as it appears on the wire, e.g. {@code upstream_error}. */
  public String wireName() {
    return wireName;
  }

  /**
   * Parses a wire name.
   *
   * @throws IllegalArgumentException naming the unknown code
   */
  public static ErrorCode fromWire(String wire) {
    for (ErrorCode code : values()) {
      if (code.wireName.equals(wire)) {
        return code;
      }
    }
    throw new IllegalArgumentException("unknown error code '" + wire + "'");
  }
}
