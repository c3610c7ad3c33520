package dev.aijobs.bench;

import dev.aijobs.protocol.JobRequest;
import java.util.concurrent.CompletableFuture;

/** Sends a job and completes with what happened to it; thread-safe. */
interface JobSender extends AutoCloseable {

  /**
   * What came back for a job.
   *
   * @param ok whether the result was ok
   * @param e2eNanos publish to result
   * @param ttftNanos publish to first chunk, or -1
   * @param chunks chunk messages received
   */
  record Outcome(boolean ok, long e2eNanos, long ttftNanos, int chunks) {}

  /** Publishes {@code job}; the future completes when its result arrives. */
  CompletableFuture<Outcome> send(JobRequest job);

  @Override
  void close() throws java.io.IOException;
}
