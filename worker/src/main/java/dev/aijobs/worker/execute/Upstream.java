package dev.aijobs.worker.execute;

import java.util.concurrent.CompletableFuture;

/**
 * Makes one provider call: the seam between a job run's decisions and HTTP ({@link UpstreamClient};
 * a scripted one in unit tests).
 */
public interface Upstream {
  /**
   * Starts the call described by {@code spec}; streamed text goes to {@code deltas} as it comes.
   *
   * @return the call's outcome; completes exactly once and never exceptionally on purpose (a
   *     failure is an outcome)
   */
  CompletableFuture<AttemptOutcome> call(AttemptSpec spec, StreamText deltas);
}
