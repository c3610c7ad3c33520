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

  public JobProcessor(
      WorkerConfig config,
      JobCodec codec,
      JobExecutor executor,
      ReplySender replies,
      WorkerMetrics metrics,
      InFlightJobs inFlight) {
    this.config = config;
    this.codec = codec;
    this.executor = executor;
    this.replies = replies;
    this.metrics = metrics;
    this.inFlight = inFlight;
  }

  /** Handles one delivery from {@code ai.jobs}. */
  public void onDelivery(Channel channel, Envelope env, AMQP.BasicProperties props, byte[] body) {
    long startNanos = System.nanoTime();
    long nowMs = System.currentTimeMillis();
    InFlightJobs.Delivery delivery = inFlight.add(channel, env.getDeliveryTag());
    if (inFlight.isDraining()) {
      delivery.requeue();
      return;
    }
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
          .thenCompose(result -> reply(delivery, props, job.id(), result))
          .whenComplete(
              (result, failure) ->
                  settle(delivery, job, provider.id(), result, failure, startNanos));
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

  private CompletableFuture<JobResult> reply(
      InFlightJobs.Delivery delivery, AMQP.BasicProperties props, String id, JobResult result) {
    if (delivery.isSettled()) {
      // Requeued at shutdown: the next worker answers; a result from here would be a stale one.
      return CompletableFuture.completedFuture(result);
    }
    return replies
        .result(props.getReplyTo(), correlationId(props, id), result)
        .thenApply(v -> result);
  }

  private void settle(
      InFlightJobs.Delivery delivery,
      JobRequest job,
      String provider,
      JobResult result,
      Throwable failure,
      long startNanos) {
    if (failure != null) {
      metrics.replyFailed();
      log.atWarn()
          .addKeyValue("job_id", job.id())
          .addKeyValue("provider", provider)
          .log(
              "job {}: result not confirmed by the broker, requeueing the job: {}",
              job.id(),
              failure.toString());
      delivery.requeue();
      return;
    }
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
    if (replyTo != null && !replyTo.isBlank()) {
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
