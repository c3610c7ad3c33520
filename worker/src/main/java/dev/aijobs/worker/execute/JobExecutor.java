package dev.aijobs.worker.execute;

import dev.aijobs.protocol.JobRequest;
import dev.aijobs.protocol.JobResult;
import dev.aijobs.worker.config.WorkerConfig;
import dev.aijobs.worker.metrics.WorkerMetrics;
import dev.aijobs.worker.route.Clock;
import dev.aijobs.worker.route.ProviderFeedback;
import dev.aijobs.worker.route.ProviderGuards;
import io.netty.util.Timer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Runs validated jobs through their attempt chains (see {@link JobRun}). Never holds a thread while
 * a provider thinks; the returned futures never fail (failures are error results). Thread-safe.
 */
public final class JobExecutor {
  private final ExecutionContext ctx;

  public JobExecutor(
      WorkerConfig config,
      Upstream upstream,
      ProviderGuards guards,
      Timer timer,
      Clock clock,
      Executor executor,
      WorkerMetrics metrics,
      ProviderFeedback feedback) {
    this.ctx =
        new ExecutionContext(config, upstream, guards, timer, clock, executor, metrics, feedback);
  }

  /**
   * Executes {@code job}.
   *
   * @param deadlineMs absolute deadline, epoch millis
   * @param startNanos {@link System#nanoTime()} when the job was consumed
   * @param queuedMs publish-to-consume time, or null
   * @param chunks where stream chunks go
   */
  public CompletableFuture<JobResult> execute(
      JobRequest job, long deadlineMs, long startNanos, Long queuedMs, ChunkSink chunks) {
    return new JobRun(ctx, job, deadlineMs, startNanos, queuedMs, chunks).start();
  }
}
