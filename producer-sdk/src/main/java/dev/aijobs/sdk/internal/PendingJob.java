package dev.aijobs.sdk.internal;

import com.rabbitmq.client.AMQP;
import dev.aijobs.protocol.JobResult;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One job in flight: what to publish, the future to complete and, for streams, its chunk sequencer.
 * Finished exactly once ({@link #claim()}), by its result, a failure, a timeout, a cancellation by
 * the caller or the client's close.
 */
public final class PendingJob {
  /** What completes the future. */
  public enum Kind {
    /** The job's result ({@code submit}, {@code stream}). */
    RESULT,
    /** The broker's confirm ({@code publish}); the future completes with null. */
    CONFIRM
  }

  private final String id;
  private final Kind kind;
  private final String routingKey;
  private final AMQP.BasicProperties properties;
  private final byte[] body;
  private final ChunkSequencer chunks;
  private final Duration timeout;
  private final long acceptedNanos;
  private final CompletableFuture<JobResult> future = new CompletableFuture<>();
  private final AtomicBoolean finished = new AtomicBoolean();
  private volatile ScheduledFuture<?> timer;
  private volatile boolean confirmed;

  public PendingJob(
      String id,
      Kind kind,
      String routingKey,
      AMQP.BasicProperties properties,
      byte[] body,
      ChunkSequencer chunks,
      Duration timeout,
      long acceptedNanos) {
    this.id = id;
    this.kind = kind;
    this.routingKey = routingKey;
    this.properties = properties;
    this.body = body;
    this.chunks = chunks;
    this.timeout = timeout;
    this.acceptedNanos = acceptedNanos;
  }

  public String id() {
    return id;
  }

  public Kind kind() {
    return kind;
  }

  public String routingKey() {
    return routingKey;
  }

  public AMQP.BasicProperties properties() {
    return properties;
  }

  public byte[] body() {
    return body;
  }

  /** The stream's sequencer, or null when the caller wants no chunks. */
  public ChunkSequencer chunks() {
    return chunks;
  }

  /** How long the client waits for the result (or confirm) from acceptance. */
  public Duration timeout() {
    return timeout;
  }

  public long acceptedNanos() {
    return acceptedNanos;
  }

  public CompletableFuture<JobResult> future() {
    return future;
  }

  /** Whether the job is finished (its future completed or about to be). */
  public boolean isFinished() {
    return finished.get();
  }

  /** Whether the broker confirmed the job. */
  public boolean isConfirmed() {
    return confirmed;
  }

  void markConfirmed() {
    confirmed = true;
  }

  /** Claims the right to finish the job; true for exactly one caller. */
  boolean claim() {
    return finished.compareAndSet(false, true);
  }

  void timer(ScheduledFuture<?> timer) {
    this.timer = timer;
  }

  void cancelTimer() {
    ScheduledFuture<?> t = timer;
    if (t != null) {
      t.cancel(false);
    }
  }

  @Override
  public String toString() {
    return "PendingJob[id=" + id + ", kind=" + kind + ", confirmed=" + confirmed + "]";
  }
}
