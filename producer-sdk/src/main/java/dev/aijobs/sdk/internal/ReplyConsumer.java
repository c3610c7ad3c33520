package dev.aijobs.sdk.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Delivery;
import dev.aijobs.protocol.InvalidReplyException;
import dev.aijobs.protocol.JobChunk;
import dev.aijobs.protocol.JobCodec;
import dev.aijobs.protocol.JobResult;
import dev.aijobs.protocol.Topology;
import java.io.IOException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles every reply on the dispatch thread, one at a time: a chunk goes to its job's {@link
 * ChunkSequencer}; a result completes its pending job, or is dropped as a duplicate of a result
 * already delivered ({@link RecentIds}), or goes to the unclaimed-result handler. A reply is
 * acknowledged after it was handled (durable mode), so a crash in between means a redelivery, which
 * the duplicate check absorbs. Never blocks.
 */
public final class ReplyConsumer {
  private static final Logger LOG = LoggerFactory.getLogger(ReplyConsumer.class);

  private final JobCodec codec;
  private final PendingJobs pending;
  private final RecentIds recent;
  private final Consumer<JobResult> unclaimed;
  private final ClientMetrics metrics;
  private final BooleanSupplier closed;

  public ReplyConsumer(
      JobCodec codec,
      PendingJobs pending,
      RecentIds recent,
      Consumer<JobResult> unclaimed,
      ClientMetrics metrics,
      BooleanSupplier closed) {
    this.codec = codec;
    this.pending = pending;
    this.recent = recent;
    this.unclaimed = unclaimed;
    this.metrics = metrics;
    this.closed = closed;
  }

  /**
   * Handles one delivery and acknowledges it on {@code channel} unless {@code autoAck}. After the
   * client closed nothing is handled or acknowledged: the broker requeues it for the next client.
   */
  public void handle(Channel channel, Delivery delivery, boolean autoAck) {
    if (closed.getAsBoolean()) {
      return;
    }
    try {
      route(delivery);
    } catch (RuntimeException e) {
      LOG.warn("reply handling failed, reply dropped", e);
    }
    if (!autoAck) {
      try {
        channel.basicAck(delivery.getEnvelope().getDeliveryTag(), false);
      } catch (IOException | RuntimeException e) {
        LOG.debug("could not ack a reply (it will be redelivered): {}", e.getMessage());
      }
    }
  }

  private void route(Delivery delivery) {
    AMQP.BasicProperties props = delivery.getProperties();
    if (Topology.TYPE_CHUNK.equals(props.getType())) {
      onChunk(props.getCorrelationId(), delivery);
    } else {
      onResult(props.getCorrelationId(), delivery);
    }
  }

  private void onChunk(String correlationId, Delivery delivery) {
    PendingJob job = correlationId == null ? null : pending.get(correlationId);
    if (job == null || job.chunks() == null) {
      return; // nobody streams this job (any more): the result carries the full text
    }
    JobChunk chunk;
    try {
      chunk = codec.decodeChunk(delivery.getBody());
    } catch (InvalidReplyException e) {
      LOG.warn("invalid chunk for job {} dropped: {}", correlationId, e.getMessage());
      return;
    }
    job.chunks().accept(chunk, delivery.getEnvelope().isRedeliver());
  }

  private void onResult(String correlationId, Delivery delivery) {
    JobResult result;
    try {
      result = codec.decodeResult(delivery.getBody());
    } catch (InvalidReplyException e) {
      PendingJob job = correlationId == null ? null : pending.get(correlationId);
      LOG.warn("invalid result for job {}: {}", correlationId, e.getMessage());
      if (job != null && job.kind() == PendingJob.Kind.RESULT) {
        pending.fail(job, e, "invalid_reply");
      }
      return;
    }
    String key = correlationId != null ? correlationId : result.id();
    PendingJob job = pending.get(key);
    if (job != null && job.kind() == PendingJob.Kind.RESULT) {
      recent.add(key);
      pending.complete(job, result);
      return;
    }
    if (!recent.add(key)) {
      LOG.debug("duplicate result for job {} dropped", key);
      metrics.duplicate();
      return;
    }
    metrics.unclaimed();
    try {
      unclaimed.accept(result);
    } catch (RuntimeException e) {
      LOG.warn("unclaimed-result handler failed on job {}", key, e);
    }
  }
}
