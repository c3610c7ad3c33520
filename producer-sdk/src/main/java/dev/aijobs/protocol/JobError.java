package dev.aijobs.protocol;

import java.util.Objects;

/**
 * Why a job failed.
 *
 * @param code one of the closed set of codes
 * @param message a human-readable explanation; never contains secrets
 * @param httpStatus the provider's HTTP status, when one was received
 * @param retryable whether publishing the same job again later may succeed
 */
public record JobError(ErrorCode code, String message, Integer httpStatus, boolean retryable) {
  public JobError {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
  }

  /** An error with the code's default retryability and no HTTP status. */
  public static JobError of(ErrorCode code, String message) {
    return new JobError(code, message, null, code.isRetryable());
  }

  /** Never prints the message: it may echo upstream text. */
  @Override
  public String toString() {
    return "JobError[code="
        + code.wireName()
        + ", httpStatus="
        + httpStatus
        + ", retryable="
        + retryable
        + "]";
  }
}
