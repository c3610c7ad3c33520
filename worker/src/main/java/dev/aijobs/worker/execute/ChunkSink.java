package dev.aijobs.worker.execute;

import dev.aijobs.protocol.JobChunk;

/** Where a job's stream chunks go (the reply queue); publishing must not block. */
@FunctionalInterface
public interface ChunkSink {
  /** Publishes a chunk; failures are the sink's to log (the final result repairs a lost chunk). */
  void publish(JobChunk chunk);

  /** A sink that drops everything (non-streaming jobs). */
  ChunkSink NONE = chunk -> {};
}
