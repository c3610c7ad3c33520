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
  private static final long MAX_UNCONFIRMED_BYTES_FOR_CHUNKS = 32L << 20;

  private final ConfirmingPublisher publisher;
  private final JobCodec codec;

  public ReplySender(ConfirmingPublisher publisher, JobCodec codec) {
    this.publisher = publisher;
    this.codec = codec;
  }

  /** Largest result attached to a dead letter (a header must fit in one AMQP frame). */
  static final int MAX_ATTACHED_RESULT_BYTES = 100 * 1024;

  /** Header of a dead letter holding the job's result, when one was made but not delivered. */
  public static final String HEADER_RESULT = "x-aijobs-result";

  /**
   * Publishes the final result (persistent, mandatory): the future fails with an {@link
   * UnroutableException} when {@code replyTo} names no queue.
   */
  public CompletableFuture<Void> result(String replyTo, String correlationId, JobResult result) {
    byte[] body;
    try {
      body = codec.encodeResult(result);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return publisher.publishMandatory(
        "", replyTo, props(Topology.TYPE_RESULT, correlationId, PERSISTENT), body);
  }

  /**
   * Publishes a stream chunk (transient: a lost chunk is repaired by the full result). While the
   * broker is not confirming (flow control, resource alarm) chunks beyond a backlog (20,000
   * messages or 32 MiB unconfirmed) are dropped, so the backlog stays bounded in count and bytes;
   * results are never dropped.
   */
  public CompletableFuture<Void> chunk(String replyTo, String correlationId, JobChunk chunk) {
    if (publisher.unconfirmed() > MAX_UNCONFIRMED_FOR_CHUNKS
        || publisher.unconfirmedBytes() > MAX_UNCONFIRMED_BYTES_FOR_CHUNKS) {
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
    return deadLetter(routingKey, original, body, code, reason, null);
  }

  /**
   * As {@link #deadLetter(String, AMQP.BasicProperties, byte[], ErrorCode, String)}, with the job's
   * result attached in header {@value #HEADER_RESULT} (when it is at most {@value
   * #MAX_ATTACHED_RESULT_BYTES} bytes; the reason says when it was too large). Only an allow-list
   * of the original properties is kept (never {@code user_id} or {@code expiration}, which the
   * broker would check or act on again).
   */
  public CompletableFuture<Void> deadLetter(
      String routingKey,
      AMQP.BasicProperties original,
      byte[] body,
      ErrorCode code,
      String reason,
      JobResult result) {
    Map<String, Object> headers = new HashMap<>();
    if (original != null && original.getHeaders() != null) {
      headers.putAll(original.getHeaders());
    }
    String why = reason;
    if (result != null) {
      byte[] encoded = codec.encodeResult(result);
      if (encoded.length <= MAX_ATTACHED_RESULT_BYTES) {
        headers.put(HEADER_RESULT, new String(encoded, java.nio.charset.StandardCharsets.UTF_8));
      } else {
        why = reason + " (the result, " + encoded.length + " bytes, is too large to attach)";
      }
    }
    headers.put(Topology.HEADER_REASON, why);
    headers.put(Topology.HEADER_ERROR_CODE, code.wireName());
    AMQP.BasicProperties.Builder b = new AMQP.BasicProperties.Builder();
    if (original != null) {
      b.contentType(original.getContentType())
          .contentEncoding(original.getContentEncoding())
          .correlationId(original.getCorrelationId())
          .replyTo(original.getReplyTo())
          .messageId(original.getMessageId())
          .timestamp(original.getTimestamp())
          .type(original.getType())
          .appId(original.getAppId())
          .priority(original.getPriority());
    }
    AMQP.BasicProperties props = b.headers(headers).deliveryMode(PERSISTENT).build();
    return publisher.publishMandatory(
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
