package dev.aijobs.sdk;

import dev.aijobs.protocol.JobRequest;
import dev.aijobs.protocol.JobResult;
import dev.aijobs.sdk.internal.ClientCore;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * The bot's side of aijobs: publishes jobs to RabbitMQ and completes a {@link CompletableFuture}
 * with each job's result, or streams its chunks first.
 *
 * <pre>{@code
 * ClientConfig config = ClientConfig.builder()
 *     .uri("amqp://guest:guest@localhost:5672/%2F")
 *     .replyQueue("bot-1.replies")
 *     .unclaimedResultHandler(r -> log.info("late result {}", r.id()))
 *     .build();
 * try (AiJobsClient client = AiJobsClient.create(config)) {
 *   JobResult r = client.submit(Jobs.builder("openrouter", "deepseek/deepseek-chat").user("Hi").build())
 *       .get(60, TimeUnit.SECONDS);
 * }
 * }</pre>
 *
 * <h2>Behaviour</h2>
 *
 * <ul>
 *   <li><b>Replies survive a restart.</b> By default ({@link ReplyMode#DURABLE_QUEUE}) replies come
 *       to a durable queue of the client's, declared on start and kept after {@link #close()}.
 *       Results published while no client is connected wait there; the next client on that queue
 *       delivers each to the pending future of its job (matched by job id, which the SDK also sends
 *       as {@code correlation_id}) or, when none waits, to {@link
 *       ClientConfig#unclaimedResultHandler()}. Use one client instance per reply queue.
 *   <li><b>Publishing you can trust.</b> Every job is published persistent, with {@code mandatory}
 *       and publisher confirms, tracked asynchronously over sequence numbers (no per-message wait).
 *       A job no queue receives fails with {@link PublishException.Reason#RETURNED}, a nack with
 *       {@link PublishException.Reason#NACKED}. While the broker blocks the connection (resource
 *       alarm) new jobs fail at once with {@link PublishException.Reason#BLOCKED}, and so do jobs
 *       not yet confirmed when the block came.
 *   <li><b>Bounded.</b> At most {@link ClientConfig#maxInFlight()} jobs are in flight (accepted and
 *       not yet answered; for {@link #publish}, not yet confirmed). Beyond that a job fails at once
 *       with {@link PublishException.Reason#IN_FLIGHT_LIMIT}: the client never makes a caller wait,
 *       and never queues without bound.
 *   <li><b>Timeouts from the deadline.</b> A job's future fails with {@link JobTimeoutException}
 *       when no result came by its {@code deadline_ms} plus {@link ClientConfig#deadlineGrace()}. A
 *       job without a deadline is published with one: now + {@link ClientConfig#defaultTimeout()}.
 *       A result arriving later goes to the unclaimed handler.
 *   <li><b>Once.</b> A result that arrives twice (the worker ran the job again after a redelivery)
 *       is delivered once: finished job ids are remembered for {@link
 *       ClientConfig#dedupRetention()}. Submitting an id again forgets it, so the new future gets
 *       the next result. The memory is per client instance, not across restarts.
 *   <li><b>Connection loss.</b> Connections recover automatically. Jobs the broker had confirmed
 *       stay pending: their results wait in the durable queue and complete the futures after
 *       recovery. Jobs not yet confirmed fail with {@link PublishException.Reason#CONNECTION_LOST}
 *       (they may or may not be queued; publishing them again with the same id is safe), and so do
 *       new jobs until the connection is back. So no future is left hanging.
 *   <li><b>Close.</b> {@link #close()} fails every job still in flight with {@link
 *       ClientClosedException}; their results stay in the durable queue for the next client.
 * </ul>
 *
 * <h2>Threads</h2>
 *
 * The client owns every thread it uses and stops them on {@link #close()}: one <i>dispatch</i>
 * thread, on which all replies are handled and every future is completed and every {@link
 * ChunkListener} and unclaimed-result handler is called; one <i>timer</i> thread (timeouts,
 * heartbeats); one <i>publisher</i> thread that writes to the socket; and the connections' reader
 * threads. Nothing the client runs blocks. Dependent stages attached with non-async methods ({@code
 * thenApply}, {@code thenAccept}, ...) run on the dispatch thread, so they must not block either:
 * use the {@code ...Async} variants with your own executor for slow work.
 *
 * <p>The client uses two connections in durable mode, {@code NAME-publish} and {@code NAME-consume}
 * ({@link ClientConfig#connectionName()}), as RabbitMQ recommends: a publishing connection blocked
 * by a resource alarm does not stop the consumer from receiving and acknowledging results. In
 * direct reply-to mode it uses one connection, {@code NAME}, since replies come only to the
 * publishing channel.
 *
 * <p>It uses the RabbitMQ client's classic blocking socket I/O rather than its Netty I/O: with two
 * connections per client there is no event loop worth sharing (Netty I/O without a shared loop
 * makes one loop thread per connection anyway), and the classic mode needs no further dependency in
 * the bot. Socket writes happen only on the publisher thread, so a stalled write (a blocked
 * connection) never stalls a caller.
 *
 * <p>Thread-safe: all methods may be called from any thread, including from the dispatch thread.
 */
public final class AiJobsClient implements AutoCloseable {
  private final ClientCore core;

  private AiJobsClient(ClientCore core) {
    this.core = core;
  }

  /**
   * Connects to the broker, declares the {@code ai.jobs} exchange and the reply queue, and starts
   * consuming replies. Blocks until connected; call it at startup, not on an event loop.
   *
   * @throws IOException when the broker refuses a declaration or the connection fails
   * @throws TimeoutException when connecting takes longer than {@link
   *     ClientConfig#connectionTimeout()}
   */
  public static AiJobsClient create(ClientConfig config) throws IOException, TimeoutException {
    return new AiJobsClient(ClientCore.start(config));
  }

  /**
   * Publishes a job and returns a future of its result. The future completes with the worker's
   * result, {@code ok} or {@code error} alike (see {@link JobResult#isOk()}), and fails only when
   * no result can be had: {@link PublishException}, {@link JobTimeoutException}, {@link
   * ClientClosedException}, or {@link dev.aijobs.protocol.InvalidReplyException} for a result that
   * breaks the wire contract. Never blocks and never throws. Cancelling the future only stops the
   * wait.
   */
  public CompletableFuture<JobResult> submit(JobRequest job) {
    return core.accept(job, null, "submit", null);
  }

  /**
   * Like {@link #submit} for a streamed job (the SDK sets {@code stream: true}): {@code listener}
   * receives the chunks in order, with {@link ChunkListener#onRestart()} before a restart, and then
   * the future completes with the result, whose {@code completion.content} is the full text.
   */
  public CompletableFuture<JobResult> stream(JobRequest job, ChunkListener listener) {
    if (listener == null) {
      return CompletableFuture.failedFuture(new NullPointerException("listener"));
    }
    return core.accept(job, listener, "stream", null);
  }

  /**
   * Fire-and-forget: publishes a job and completes when the broker confirmed it (it is then queued;
   * the broker is responsible for it). The job's result comes to this client's reply queue and goes
   * to the unclaimed-result handler. Fails like {@link #submit}, with {@link JobTimeoutException}
   * only when no confirm came before the job's deadline.
   */
  public CompletableFuture<Void> publish(JobRequest job) {
    return core.accept(job, null, "publish", null).thenApply(r -> null);
  }

  /**
   * Fire-and-forget to another reply queue: like {@link #publish(JobRequest)}, but the job's
   * replies go to {@code replyTo}, which the caller consumes (and must have declared).
   */
  public CompletableFuture<Void> publish(JobRequest job, String replyTo) {
    if (replyTo == null || replyTo.isBlank()) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException("replyTo must be a non-blank queue name"));
    }
    return core.accept(job, null, "publish", replyTo).thenApply(r -> null);
  }

  /** Jobs accepted and not yet finished (answered; for {@link #publish}, confirmed). */
  public int inFlight() {
    return core.inFlight();
  }

  /** Whether the broker currently blocks publishing (a resource alarm). */
  public boolean isBlocked() {
    return core.isBlocked();
  }

  /** Whether the client's connections are up (false while recovering and after close). */
  public boolean isConnected() {
    return !core.isClosed() && core.isConnected();
  }

  /**
   * Closes the client: stops accepting jobs, closes the connections (replies not yet handled stay
   * in the durable queue), fails every job in flight with {@link ClientClosedException} and stops
   * the client's threads, waiting up to {@link ClientConfig#closeTimeout()}. Idempotent. The
   * durable reply queue is kept.
   */
  @Override
  public void close() {
    core.close();
  }
}
