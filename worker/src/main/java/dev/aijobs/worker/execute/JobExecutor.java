package dev.aijobs.worker.execute;

import dev.aijobs.protocol.Attempt;
import dev.aijobs.protocol.ErrorCode;
import dev.aijobs.protocol.JobError;
import dev.aijobs.protocol.JobRequest;
import dev.aijobs.protocol.JobResult;
import dev.aijobs.protocol.Route;
import dev.aijobs.protocol.Timing;
import dev.aijobs.worker.config.ProviderConfig;
import dev.aijobs.worker.metrics.WorkerMetrics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Runs a validated job against its provider and produces its one result. Never holds a thread while
 * the provider thinks; the returned future never fails (failures are error results).
 */
public final class JobExecutor {
  private final UpstreamClient upstream;
  private final WorkerMetrics metrics;

  public JobExecutor(UpstreamClient upstream, WorkerMetrics metrics) {
    this.upstream = upstream;
    this.metrics = metrics;
  }

  /**
   * Executes {@code job} on {@code provider}.
   *
   * @param deadlineMs absolute deadline, epoch millis
   * @param startNanos {@link System#nanoTime()} when the job was consumed
   * @param queuedMs publish-to-consume time, or null
   */
  public CompletableFuture<JobResult> execute(
      JobRequest job, ProviderConfig provider, long deadlineMs, long startNanos, Long queuedMs) {
    long left = deadlineMs - System.currentTimeMillis();
    if (left <= 0) {
      return CompletableFuture.completedFuture(
          JobResult.error(
              job.id(),
              JobError.of(ErrorCode.DEADLINE_EXCEEDED, "deadline passed before the job started"),
              null,
              List.of(),
              new Timing(queuedMs, null, null, elapsedMs(startNanos)),
              job.meta()));
    }
    Duration timeout = Duration.ofMillis(Math.min(left, provider.timeout().toMillis()));
    Route route = provider.usesProxy() ? Route.PROXY : Route.DIRECT;
    long attemptStart = System.nanoTime();
    return upstream
        .call(provider, job.model(), job, timeout, provider.usesProxy())
        .thenApply(
            r -> {
              long nanos = System.nanoTime() - attemptStart;
              AttemptResult res = r;
              if (r.error() != null
                  && r.error().code() == ErrorCode.TIMEOUT
                  && System.currentTimeMillis() >= deadlineMs) {
                res =
                    AttemptResult.failed(
                        JobError.of(
                            ErrorCode.DEADLINE_EXCEEDED,
                            "the job's deadline passed during the call"));
              }
              metrics.attempt(provider.id(), route, res.outcome(), nanos);
              long ms = nanos / 1_000_000;
              List<Attempt> attempts =
                  List.of(new Attempt(provider.id(), job.model(), route, res.outcome(), ms));
              Timing timing = new Timing(queuedMs, null, ms, elapsedMs(startNanos));
              return res.error() == null
                  ? JobResult.ok(job.id(), res.completion(), route, attempts, timing, job.meta())
                  : JobResult.error(job.id(), res.error(), route, attempts, timing, job.meta());
            });
  }

  static long elapsedMs(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}
