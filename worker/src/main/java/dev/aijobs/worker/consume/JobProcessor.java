package dev.aijobs.worker.consume;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Envelope;
import dev.aijobs.protocol.ErrorCode;
import dev.aijobs.protocol.InvalidJobException;
import dev.aijobs.protocol.JobCodec;
import dev.aijobs.protocol.JobError;
import dev.aijobs.protocol.JobRequest;
import dev.aijobs.protocol.JobResult;
import dev.aijobs.protocol.Target;
import dev.aijobs.protocol.Timing;
import dev.aijobs.worker.config.ProviderConfig;
import dev.aijobs.worker.config.WorkerConfig;
import dev.aijobs.worker.execute.ChunkSink;
import dev.aijobs.worker.execute.JobExecutor;
import dev.aijobs.worker.metrics.WorkerMetrics;
import dev.aijobs.worker.reply.ReplySender;
import dev.aijobs.worker.reply.UnroutableException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job's life inside the worker: validate, check the deadline, execute, reply, and settle the
 * delivery only after the broker confirmed what was published. Bad input gets an error reply (where
 * there is a {@code reply_to}) and goes to {@code ai.jobs.dead} with the reason; it is never
 * requeued. Called on the AMQP client's dispatch threads; never blocks.
 */
public final class JobProcessor {
  private static final Logger log = LoggerFactory.getLogger(JobProcessor.class);

  private final WorkerConfig config;
  private final JobCodec codec;
  private final JobExecutor executor;
  private final ReplySender replies;
  private final WorkerMetrics metrics;
  private final InFlightJobs inFlight;
  private final io.netty.util.Timer timer;
  private final java.util.concurrent.Executor work;

  /** How long past its deadline a finished job's result may still be published again. */
  static final long RESULT_GRACE_MS = 10_000;

  public JobProcessor(
      WorkerConfig config,
      JobCodec codec,
      JobExecutor executor,
      ReplySender replies,
      WorkerMetrics metrics,
      InFlightJobs inFlight,
      io.netty.util.Timer timer,
      java.util.concurrent.Executor work) {
    this.config = config;
    this.codec = codec;
    this.executor = executor;
    this.replies = replies;
    this.metrics = metrics;
    this.inFlight = inFlight;
    this.timer = timer;
    this.work = work;
  }

  /** A job whose result is made: what it takes to deliver it, or to dead-letter it. */
  private record Finished(
      InFlightJobs.Delivery delivery,
      Envelope env,
      AMQP.BasicProperties props,
      byte[] body,
      JobRequest job,
      String provider,
      JobResult result,
      long deadlineMs,
      long startNanos) {}

  /**
   * Takes one delivery from {@code ai.jobs}: counts its bytes at once (so the byte budget sees
   * every delivery as it arrives, not when a busy thread gets to it) and processes it on the work
   * executor.
   */
  public void onDelivery(
      Channel channel, Envelope env, AMQP.BasicProperties props, byte[] body, Runnable onSettled) {
    long startNanos = System.nanoTime();
    long nowMs = System.currentTimeMillis();
    InFlightJobs.Delivery delivery =
        inFlight.add(channel, env.getDeliveryTag(), body.length, onSettled);
    if (inFlight.isDraining()) {
      delivery.requeue();
      return;
    }
    try {
      work.execute(() -> process(delivery, env, props, body, startNanos, nowMs));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      delivery.requeue(); // stopping
    }
  }

  private void process(
      InFlightJobs.Delivery delivery,
      Envelope env,
      AMQP.BasicProperties props,
      byte[] body,
      long startNanos,
      long nowMs) {
    try {
      JobRequest job = decode(props, body);
      ProviderConfig provider = config.providers().get(job.provider());
      String unknown = unknownProvider(job);
      if (unknown != null) {
        reject(delivery, env, props, body, ErrorCode.UNKNOWN_PROVIDER, unknown, job, startNanos);
        return;
      }
      Long queuedMs = queuedMs(job, props, nowMs);
      if (queuedMs != null) {
        metrics.queueWait(provider.id(), queuedMs);
      }
      long deadline =
          Math.min(
              job.deadlineMs() != null
                  ? job.deadlineMs()
                  : nowMs + config.jobs().defaultTimeout().toMillis(),
              nowMs + WorkerConfig.MAX_JOB_TIME.toMillis());
      executor
          .execute(job, deadline, startNanos, queuedMs, chunkSink(delivery, props, job))
          .whenComplete(
              (result, bug) ->
                  deliver(
                      new Finished(
                          delivery,
                          env,
                          props,
                          body,
                          job,
                          provider.id(),
                          bug == null ? result : internal(job, bug, startNanos),
                          deadline,
                          startNanos),
                      0));
    } catch (InvalidJobException e) {
      reject(delivery, env, props, body, ErrorCode.INVALID_JOB, e.getMessage(), null, startNanos);
    } catch (RuntimeException e) {
      log.error("unexpected failure handling delivery {}", env.getDeliveryTag(), e);
      reject(
          delivery, env, props, body, ErrorCode.INTERNAL, "worker error: " + e, null, startNanos);
    }
  }

  private JobRequest decode(AMQP.BasicProperties props, byte[] body) {
    if (body.length > config.jobs().maxBodyBytes()) {
      throw InvalidJobException.message(
          "body is "
              + body.length
              + " bytes, larger than the limit of "
              + config.jobs().maxBodyBytes()
              + " bytes (AIJOBS_MAX_BODY_BYTES)");
    }
    JobRequest job = codec.decodeRequest(body);
    if (props.getReplyTo() == null || props.getReplyTo().isBlank()) {
      throw InvalidJobException.message(
          "AMQP property reply_to is missing: there is nowhere to send the result");
    }
    if (!config.jobs().allowsReplyTo(props.getReplyTo())) {
      throw InvalidJobException.message(
          "AMQP property reply_to '"
              + props.getReplyTo()
              + "' does not match AIJOBS_REPLY_TO_PATTERN: no result is sent there");
    }
    if (props.getMessageId() != null && !props.getMessageId().equals(job.id())) {
      throw InvalidJobException.badField(
          "id",
          "'" + job.id() + "' differs from the AMQP message_id '" + props.getMessageId() + "'");
    }
    return job;
  }

  private ChunkSink chunkSink(
      InFlightJobs.Delivery delivery, AMQP.BasicProperties props, JobRequest job) {
    if (!job.stream()) {
      return ChunkSink.NONE;
    }
    String replyTo = props.getReplyTo();
    String correlationId = correlationId(props, job.id());
    return chunk -> {
      if (!delivery.isSettled()) {
        replies
            .chunk(replyTo, correlationId, chunk)
            .whenComplete(
                (v, e) -> {
                  if (e != null) {
                    log.atDebug()
                        .addKeyValue("job_id", job.id())
                        .addKeyValue("provider", job.provider())
                        .log(
                            "chunk {} of job {} not confirmed: {}",
                            chunk.seq(),
                            job.id(),
                            e.toString());
                  }
                });
      }
    };
  }

  private String unknownProvider(JobRequest job) {
    for (Target t : job.targets()) {
      if (!config.providers().containsKey(t.provider())) {
        return "provider '"
            + t.provider()
            + "' is not configured on this worker (configured: "
            + String.join(", ", config.providers().keySet())
            + ")";
      }
    }
    return null;
  }

  private static Long queuedMs(JobRequest job, AMQP.BasicProperties props, long nowMs) {
    if (job.createdMs() != null) {
      return Math.max(0, nowMs - job.createdMs());
    }
    if (props.getTimestamp() != null) {
      return Math.max(0, nowMs - props.getTimestamp().getTime());
    }
    return null;
  }

  private static JobResult internal(JobRequest job, Throwable bug, long startNanos) {
    log.atError()
        .addKeyValue("job_id", job.id())
        .setCause(bug)
        .log("job {}: worker error, answered as internal", job.id());
    return JobResult.error(
        job.id(),
        JobError.of(ErrorCode.INTERNAL, "worker error: " + bug),
        null,
        List.of(),
        new Timing(null, null, null, (System.nanoTime() - startNanos) / 1_000_000),
        job.meta());
  }

  /**
   * Publishes the result; the job is acked once the broker confirmed it. A finished job is never
   * run again because its result could not be published: a result the broker returns (no such
   * {@code reply_to} queue) dead-letters the job at once; one it refuses (a nack, a lost channel, a
   * full queue that rejects publishes) is published again with backoff until the job's deadline
   * plus {@link #RESULT_GRACE_MS}, then the job is dead-lettered with the result attached.
   */
  private void deliver(Finished f, int tries) {
    if (f.delivery().isSettled()) {
      return; // requeued at shutdown: the next worker answers, a result from here would be stale
    }
    String replyTo = f.props().getReplyTo();
    replies
        .result(replyTo, correlationId(f.props(), f.job().id()), f.result())
        .whenComplete(
            (v, failure) -> {
              if (failure == null) {
                settle(f);
                return;
              }
              Throwable cause =
                  failure instanceof java.util.concurrent.CompletionException
                          && failure.getCause() != null
                      ? failure.getCause()
                      : failure;
              if (cause instanceof UnroutableException) {
                metrics.resultUnroutable();
                log.atWarn()
                    .addKeyValue("job_id", f.job().id())
                    .addKeyValue("provider", f.provider())
                    .log("job {}: reply_to queue '{}' does not exist", f.job().id(), replyTo);
                deadLetterFinished(
                    f,
                    ErrorCode.INVALID_JOB,
                    "reply_to queue '"
                        + replyTo
                        + "' does not exist: the result could not be delivered");
                return;
              }
              metrics.replyFailed();
              long wait = Math.min(5_000, 200L << Math.min(tries, 5));
              if (System.currentTimeMillis() + wait < f.deadlineMs() + RESULT_GRACE_MS) {
                log.atWarn()
                    .addKeyValue("job_id", f.job().id())
                    .log(
                        "job {}: result not confirmed ({}); publishing it again in {} ms",
                        f.job().id(),
                        cause.toString(),
                        wait);
                timer.newTimeout(
                    t -> deliver(f, tries + 1), wait, java.util.concurrent.TimeUnit.MILLISECONDS);
              } else {
                deadLetterFinished(
                    f,
                    ErrorCode.INTERNAL,
                    "the result could not be published to '"
                        + replyTo
                        + "' by the job's deadline: "
                        + cause);
              }
            });
  }

  /** Dead-letters a finished job with its result attached; acks it once that is confirmed. */
  private void deadLetterFinished(Finished f, ErrorCode code, String reason) {
    replies
        .deadLetter(f.env().getRoutingKey(), f.props(), f.body(), code, reason, f.result())
        .whenComplete(
            (v, failure) -> {
              if (failure != null) {
                // Neither the result nor the dead letter got through: the broker is failing;
                // the job goes back to the queue rather than be lost.
                log.atWarn()
                    .addKeyValue("job_id", f.job().id())
                    .log(
                        "job {}: dead letter not confirmed either, requeueing: {}",
                        f.job().id(),
                        failure.toString());
                f.delivery().requeue();
                return;
              }
              log.atWarn()
                  .addKeyValue("job_id", f.job().id())
                  .addKeyValue("code", code.wireName())
                  .log("job {} dead-lettered with its result: {}", f.job().id(), reason);
              metrics.deadLettered(code);
              metrics.jobCompleted(f.provider(), code, System.nanoTime() - f.startNanos());
              f.delivery().ack();
            });
  }

  private void settle(Finished f) {
    InFlightJobs.Delivery delivery = f.delivery();
    JobRequest job = f.job();
    String provider = f.provider();
    JobResult result = f.result();
    long startNanos = f.startNanos();
    if (result.isOk()) {
      // The provider that answered (a fallback's tokens and cost are its own, in its own unit).
      metrics.usage(result.completion().provider(), result.completion().usage());
    } else {
      logFailed(job, result);
    }
    metrics.jobCompleted(
        provider, result.isOk() ? null : result.error().code(), System.nanoTime() - startNanos);
    delivery.ack();
  }

  private void reject(
      InFlightJobs.Delivery delivery,
      Envelope env,
      AMQP.BasicProperties props,
      byte[] body,
      ErrorCode code,
      String reason,
      JobRequest job,
      long startNanos) {
    String id =
        job != null ? job.id() : props.getMessageId() != null ? props.getMessageId() : "unknown";
    log.atWarn()
        .addKeyValue("job_id", id)
        .addKeyValue("provider", job == null ? null : job.provider())
        .addKeyValue("code", code.wireName())
        .log(
            "rejecting job {} to {}: {}: {}",
            id,
            dev.aijobs.protocol.Topology.DEAD_LETTER_QUEUE,
            code.wireName(),
            reason);
    CompletableFuture<Void> dead =
        replies.deadLetter(env.getRoutingKey(), props, body, code, reason);
    CompletableFuture<Void> answered = CompletableFuture.completedFuture(null);
    String replyTo = props.getReplyTo();
    if (replyTo != null && !replyTo.isBlank() && config.jobs().allowsReplyTo(replyTo)) {
      JobResult result =
          JobResult.error(
              id,
              JobError.of(code, reason),
              null,
              List.of(),
              new Timing(null, null, null, (System.nanoTime() - startNanos) / 1_000_000),
              job == null ? null : job.meta());
      answered = replies.result(replyTo, correlationId(props, id), result);
    }
    CompletableFuture.allOf(dead, answered)
        .whenComplete(
            (v, failure) -> {
              if (failure != null && !dead.isCompletedExceptionally()) {
                // Dead-lettered safely; only the courtesy reply failed.
                failure = null;
              }
              if (failure != null) {
                metrics.replyFailed();
                log.atWarn()
                    .addKeyValue("job_id", id)
                    .log(
                        "job {}: dead letter not confirmed, requeueing: {}",
                        id,
                        failure.toString());
                delivery.requeue();
              } else {
                metrics.deadLettered(code);
                metrics.jobCompleted(
                    job == null ? WorkerMetrics.NO_PROVIDER : safeProvider(job),
                    code,
                    System.nanoTime() - startNanos);
                delivery.ack();
              }
            });
  }

  /**
   * The one line of a job that finally failed. Names and counts only: the error message comes from
   * the provider or the worker and never holds an API key, but it is left to the result.
   */
  private static void logFailed(JobRequest job, JobResult result) {
    String code = result.error().code().wireName();
    int attempts = result.attempts().size();
    // The target tried last (a fallback, possibly), else the job's own.
    String provider =
        attempts == 0 ? job.provider() : result.attempts().get(attempts - 1).provider();
    String model = attempts == 0 ? job.model() : result.attempts().get(attempts - 1).model();
    log.atWarn()
        .addKeyValue("job_id", job.id())
        .addKeyValue("provider", provider)
        .addKeyValue("model", model)
        .addKeyValue("code", code)
        .addKeyValue("attempts", attempts)
        .log(
            "job {} failed: provider={} model={} code={} attempts={}",
            job.id(),
            provider,
            model,
            code,
            attempts);
  }

  private String safeProvider(JobRequest job) {
    return config.providers().containsKey(job.provider())
        ? job.provider()
        : WorkerMetrics.NO_PROVIDER;
  }

  private static String correlationId(AMQP.BasicProperties props, String id) {
    return props.getCorrelationId() != null ? props.getCorrelationId() : id;
  }
}
