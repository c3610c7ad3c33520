package dev.aijobs.worker.execute;

import dev.aijobs.protocol.Completion;
import dev.aijobs.protocol.JobError;

/**
 * What one provider call produced: a completion or an error.
 *
 * @param completion the answer, or null
 * @param error the failure, or null
 */
public record AttemptResult(Completion completion, JobError error) {
  static AttemptResult ok(Completion c) {
    return new AttemptResult(c, null);
  }

  static AttemptResult failed(JobError e) {
    return new AttemptResult(null, e);
  }

  /** {@code ok} or the error code's wire name. */
  public String outcome() {
    return error == null ? "ok" : error.code().wireName();
  }
}
