package dev.aijobs.worker.execute;

import dev.aijobs.protocol.Completion;
import dev.aijobs.protocol.JobError;
import dev.aijobs.worker.route.FailureKind;
import java.time.Duration;

/**
 * What one provider call produced: a completion, or an error with what the {@link
 * dev.aijobs.worker.route.Router} needs to decide what comes next.
 *
 * @param completion the answer, or null
 * @param error the failure, or null
 * @param kind the classifier's verdict for transport failures; null for HTTP-level errors
 * @param retryAfter what the provider asked to wait ({@code Retry-After}, {@code retry-after-ms})
 */
public record AttemptOutcome(
    Completion completion, JobError error, FailureKind kind, Duration retryAfter) {

  static AttemptOutcome ok(Completion c) {
    return new AttemptOutcome(c, null, null, null);
  }

  static AttemptOutcome failed(JobError e, Duration retryAfter) {
    return new AttemptOutcome(null, e, null, retryAfter);
  }

  static AttemptOutcome transport(FailureKind kind, String message) {
    return new AttemptOutcome(
        null, new JobError(kind.code(), message, null, kind.code().isRetryable()), kind, null);
  }

  /** Whether the call produced an answer. */
  public boolean isOk() {
    return completion != null;
  }

  /** {@code ok} or the error code's wire name. */
  public String outcome() {
    return error == null ? "ok" : error.code().wireName();
  }
}
