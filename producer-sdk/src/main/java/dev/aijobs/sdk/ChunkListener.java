package dev.aijobs.sdk;

import dev.aijobs.protocol.JobChunk;

/**
 * Receives the stream chunks of one job started with {@link AiJobsClient#stream}.
 *
 * <p>Chunks are delivered in {@code seq} order, each at most once, and never concurrently for one
 * job (different jobs' listeners may run one after another on the same thread). When another
 * attempt took over after chunks were sent (a chunk with {@code restart=true}) or the job was
 * redelivered and runs again from the start, {@link #onRestart()} is called first: drop the text
 * received so far. Chunks are transient: a lost one is not repaired, but the result's {@code
 * completion.content} always holds the full text.
 *
 * <p>Calls run on the client's dispatch thread, which also handles every other reply: a listener
 * must return quickly and never block (hand slow work to your own executor). An exception thrown by
 * the listener is logged and does not affect the job.
 */
@FunctionalInterface
public interface ChunkListener {
  /** A piece of text to append. */
  void onChunk(JobChunk chunk);

  /** The text received so far is void; the next chunk starts the answer again. */
  default void onRestart() {}
}
