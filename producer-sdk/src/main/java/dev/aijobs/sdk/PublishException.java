package dev.aijobs.sdk;

/**
 * A job the broker did not (or not reliably) take: the future of {@link AiJobsClient#submit},
 * {@link AiJobsClient#stream} or {@link AiJobsClient#publish} fails with it. {@link #reason()}
 * tells what happened and {@link #mayBeQueued()} whether the job could still run; in every case
 * publishing the same job again (the same id) is safe, because the SDK delivers a job's result
 * once.
 */
public final class PublishException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a job was not published. */
  public enum Reason {
    /** {@link ClientConfig#maxInFlight()} jobs were already in flight; nothing was sent. */
    IN_FLIGHT_LIMIT(false),
    /** Another job with the same id is still in flight on this client; nothing was sent. */
    DUPLICATE_ID(false),
    /**
     * The broker blocked the connection (a resource alarm: memory or disk). New jobs are refused at
     * once; a job sent but not yet confirmed when the block came is failed too, though the broker
     * may still queue it once the alarm clears.
     */
    BLOCKED(true),
    /** The broker returned the job as unroutable ({@code mandatory}): no queue received it. */
    RETURNED(false),
    /** The broker refused the job ({@code basic.nack}), e.g. a full queue rejecting publishes. */
    NACKED(false),
    /**
     * The connection was down, or dropped before the broker confirmed the job; the job may or may
     * not be queued.
     */
    CONNECTION_LOST(true);

    private final boolean mayBeQueued;

    Reason(boolean mayBeQueued) {
      this.mayBeQueued = mayBeQueued;
    }
  }

  private final String jobId;
  private final Reason reason;

  private PublishException(String jobId, Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.jobId = jobId;
    this.reason = reason;
  }

  /** The window of jobs in flight is full. */
  public static PublishException inFlightLimit(String jobId, int maxInFlight) {
    return new PublishException(
        jobId,
        Reason.IN_FLIGHT_LIMIT,
        "job " + jobId + " not published: " + maxInFlight + " jobs already in flight (maxInFlight)",
        null);
  }

  /** The id is already in flight on this client. */
  public static PublishException duplicateId(String jobId) {
    return new PublishException(
        jobId,
        Reason.DUPLICATE_ID,
        "job " + jobId + " not published: a job with this id is already in flight on this client",
        null);
  }

  /** The connection is blocked by a resource alarm. */
  public static PublishException blocked(String jobId, String brokerReason) {
    return new PublishException(
        jobId,
        Reason.BLOCKED,
        "job "
            + jobId
            + " not published: the broker blocked the connection ("
            + brokerReason
            + "); retry once the alarm clears",
        null);
  }

  /** The broker returned the job. */
  public static PublishException returned(
      String jobId, int replyCode, String replyText, String exchange, String routingKey) {
    return new PublishException(
        jobId,
        Reason.RETURNED,
        "job "
            + jobId
            + " returned by the broker: "
            + replyText
            + " ("
            + replyCode
            + "), no queue is bound to exchange '"
            + exchange
            + "' for routing key '"
            + routingKey
            + "'; has a worker declared the work queue?",
        null);
  }

  /** The broker nacked the job. */
  public static PublishException nacked(String jobId) {
    return new PublishException(
        jobId,
        Reason.NACKED,
        "job " + jobId + " refused by the broker (basic.nack), e.g. a full queue",
        null);
  }

  /** The connection was down or dropped before the confirm. */
  public static PublishException connectionLost(String jobId, Throwable cause) {
    return new PublishException(
        jobId,
        Reason.CONNECTION_LOST,
        "job "
            + jobId
            + ": connection to the broker lost before it confirmed the job; it may or may not be"
            + " queued, publishing it again with the same id is safe",
        cause);
  }

  /** The id of the job. */
  public String jobId() {
    return jobId;
  }

  /** What happened. */
  public Reason reason() {
    return reason;
  }

  /** Whether the job may still be (or have been) queued and answered despite this failure. */
  public boolean mayBeQueued() {
    return reason.mayBeQueued;
  }
}
