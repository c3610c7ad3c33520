package dev.aijobs.worker.reply;

import com.rabbitmq.client.AMQP;
import dev.aijobs.protocol.ErrorCode;
import dev.aijobs.protocol.JobChunk;
import dev.aijobs.protocol.JobCodec;
import dev.aijobs.protocol.JobResult;
import dev.aijobs.protocol.Topology;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Sends what a job produces: chunks and the result to the job's {@code reply_to} (default
 * exchange), and rejected jobs to the dead-letter exchange with the reason in headers. Every future
 * completes when the broker has confirmed the message. Thread-safe.
 */
public final class ReplySender {
  private static final int PERSISTENT = 2;
  private static final int TRANSIENT = 1;
  private static final int MAX_UNCONFIRMED_FOR_CHUNKS = 20_000;

  private final ConfirmingPublisher publisher;
  private final JobCodec codec;

  public ReplySender(ConfirmingPublisher publisher, JobCodec codec) {
    this.publisher = publisher;
    this.codec = codec;
  }

  /** Publishes the final result (persistent). */
  public CompletableFuture<Void> result(String replyTo, String correlationId, JobResult result) {
    byte[] body;
    try {
      body = codec.encodeResult(result);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return publisher.publish(
        "", replyTo, props(Topology.TYPE_RESULT, correlationId, PERSISTENT), body);
  }

  /**
   * Publishes a stream chunk (transient: a lost chunk is repaired by the full result). While the
   * broker is not confirming (flow control, resource alarm) chunks beyond a backlog are dropped, so
   * the backlog stays bounded; results are never dropped.
   */
  public CompletableFuture<Void> chunk(String replyTo, String correlationId, JobChunk chunk) {
    if (publisher.unconfirmed() > MAX_UNCONFIRMED_FOR_CHUNKS) {
      return CompletableFuture.completedFuture(null);
    }
    return publisher.publish(
        "",
        replyTo,
        props(Topology.TYPE_CHUNK, correlationId, TRANSIENT),
        codec.encodeChunk(chunk));
  }

  /**
   * Republishes a rejected job, unchanged, to the dead-letter exchange with {@code x-aijobs-reason}
   * and {@code x-aijobs-error-code} headers added.
   */
  public CompletableFuture<Void> deadLetter(
      String routingKey,
      AMQP.BasicProperties original,
      byte[] body,
      ErrorCode code,
      String reason) {
    Map<String, Object> headers = new HashMap<>();
    if (original != null && original.getHeaders() != null) {
      headers.putAll(original.getHeaders());
    }
    headers.put(Topology.HEADER_REASON, reason);
    headers.put(Topology.HEADER_ERROR_CODE, code.wireName());
    AMQP.BasicProperties.Builder b =
        original == null ? new AMQP.BasicProperties.Builder() : original.builder();
    AMQP.BasicProperties props = b.headers(headers).deliveryMode(PERSISTENT).build();
    return publisher.publish(
        Topology.DEAD_LETTER_EXCHANGE, routingKey == null ? "" : routingKey, props, body);
  }

  private static AMQP.BasicProperties props(String type, String correlationId, int deliveryMode) {
    return new AMQP.BasicProperties.Builder()
        .contentType(Topology.CONTENT_TYPE)
        .type(type)
        .correlationId(correlationId)
        .deliveryMode(deliveryMode)
        .timestamp(new java.util.Date())
        .build();
  }
}
