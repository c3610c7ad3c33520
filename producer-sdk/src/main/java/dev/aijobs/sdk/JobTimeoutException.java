package dev.aijobs.sdk;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * No result came in time: the job's deadline (plus {@link ClientConfig#deadlineGrace()}) passed
 * (for {@link AiJobsClient#publish}: no confirm came by then). A result that arrives later goes to
 * the {@link ClientConfig#unclaimedResultHandler()}.
 */
public final class JobTimeoutException extends TimeoutException {
  private static final long serialVersionUID = 1L;

  private final String jobId;
  private final transient Duration waited;

  private JobTimeoutException(String jobId, Duration waited, String message) {
    super(message);
    this.jobId = jobId;
    this.waited = waited;
  }

  /** No result for the job within {@code waited}. */
  public static JobTimeoutException noResult(String jobId, Duration waited) {
    return new JobTimeoutException(
        jobId,
        waited,
        "no result for job " + jobId + " within " + waited.toMillis() + " ms (its deadline)");
  }

  /**
   * The broker did not confirm a {@link AiJobsClient#publish published} job within {@code waited}.
   */
  public static JobTimeoutException noConfirm(String jobId, Duration waited) {
    return new JobTimeoutException(
        jobId,
        waited,
        "the broker did not confirm job " + jobId + " within " + waited.toMillis() + " ms");
  }

  /** The id of the job. */
  public String jobId() {
    return jobId;
  }

  /** How long the client waited. */
  public Duration waited() {
    return waited;
  }
}
