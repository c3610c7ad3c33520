package dev.aijobs.sdk;

/**
 * The client was closed: a job submitted afterwards, or one still waiting for its confirm or result
 * when {@link AiJobsClient#close()} ran, fails with this. With a durable reply queue, a result the
 * broker still owes waits in the queue and reaches the next client on that queue (its pending
 * future if the job is submitted again there, else its unclaimed-result handler).
 */
public final class ClientClosedException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  private final String jobId;

  private ClientClosedException(String jobId, String message) {
    super(message);
    this.jobId = jobId;
  }

  /** The job was submitted after close. */
  public static ClientClosedException rejected(String jobId) {
    return new ClientClosedException(jobId, "job " + jobId + " not published: client is closed");
  }

  /** The job was in flight when the client closed. */
  public static ClientClosedException pending(String jobId) {
    return new ClientClosedException(
        jobId, "client closed before job " + jobId + " completed; its result was not received");
  }

  /** The id of the job. */
  public String jobId() {
    return jobId;
  }
}
