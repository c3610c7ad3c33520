package dev.aijobs.worker.execute;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aijobs.protocol.JobChunk;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Coalesces a job's stream deltas into chunk messages: at most one per interval, or earlier once
 * the pending text reaches a size. Sequence numbers count up across attempts; after an attempt that
 * already sent chunks fails, the next chunk carries {@code restart: true}. Thread-safe (deltas
 * arrive on I/O threads, flushes on the timer thread).
 */
final class ChunkCoalescer {
  private final String jobId;
  private final JsonNode meta;
  private final ChunkSink sink;
  private final Timer timer;
  private final long intervalMillis;
  private final int maxChars;
  private final StringBuilder pending = new StringBuilder();
  private final StringBuilder pendingReasoning = new StringBuilder();
  private long seq;
  private boolean restartNext;
  private boolean sentThisAttempt;
  private Timeout scheduled;
  private int currentAttempt;
  private boolean closed;

  ChunkCoalescer(
      String jobId, JsonNode meta, ChunkSink sink, Timer timer, Duration interval, int maxChars) {
    this.jobId = jobId;
    this.meta = meta;
    this.sink = sink;
    this.timer = timer;
    this.intervalMillis = interval.toMillis();
    this.maxChars = maxChars;
  }

  /** Adds streamed content and reasoning text (either may be empty). */
  synchronized void add(int attempt, String delta, String reasoning) {
    if (closed || attempt != currentAttempt) {
      return; // text of an attempt that lost, or arriving after the result
    }
    pending.append(delta);
    pendingReasoning.append(reasoning);
    if (!sentThisAttempt || pending.length() + pendingReasoning.length() >= maxChars) {
      // The first text of an attempt goes out at once: time to first token is what users feel.
      flush();
    } else if (scheduled == null) {
      scheduled = timer.newTimeout(t -> flushScheduled(), intervalMillis, TimeUnit.MILLISECONDS);
    }
  }

  private synchronized void flushScheduled() {
    scheduled = null;
    if (!closed) {
      flush();
    }
  }

  /** Publishes what is pending now (before the result, so chunks come first). */
  synchronized void flush() {
    if (scheduled != null) {
      scheduled.cancel();
      scheduled = null;
    }
    if (pending.length() == 0 && pendingReasoning.length() == 0) {
      return;
    }
    sink.publish(
        new JobChunk(
            jobId,
            seq++,
            pending.toString(),
            restartNext,
            meta,
            pendingReasoning.length() == 0 ? null : pendingReasoning.toString()));
    pending.setLength(0);
    pendingReasoning.setLength(0);
    restartNext = false;
    sentThisAttempt = true;
  }

  /**
   * A new attempt takes over: text not yet sent is dropped, and if the consumer has seen text of a
   * failed attempt, the next chunk tells it to start again.
   */
  synchronized void newAttempt(int attempt) {
    currentAttempt = attempt;
    if (scheduled != null) {
      scheduled.cancel();
      scheduled = null;
    }
    pending.setLength(0);
    pendingReasoning.setLength(0);
    if (sentThisAttempt) {
      restartNext = true;
    }
    sentThisAttempt = false;
  }

  /** Publishes what is pending, then ignores everything: the result is being sent. */
  synchronized void flushAndClose() {
    flush();
    closed = true;
  }
}
