package dev.aijobs.sdk.internal;

import dev.aijobs.protocol.JobResult;
import dev.aijobs.sdk.JobTimeoutException;
import dev.aijobs.sdk.PublishException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs in flight, keyed by job id (which is also the correlation id on the wire), in the manner
 * of spring's {@code AsyncRabbitTemplate}: a job is put here before it is published and removed by
 * its result, a failure, its timeout or the caller cancelling its future. Completions are handed to
 * the dispatch executor so that callers' dependent stages never run on a connection's I/O thread or
 * the timer thread. Thread-safe.
 */
public final class PendingJobs {
  private static final Logger LOG = LoggerFactory.getLogger(PendingJobs.class);

  private final ConcurrentHashMap<String, PendingJob> byId = new ConcurrentHashMap<>();
  private final InFlightWindow window;
  private final RecentIds recent;
  private final ClientMetrics metrics;
  private final Executor dispatch;
  private final ScheduledExecutorService timer;

  public PendingJobs(
      InFlightWindow window,
      RecentIds recent,
      ClientMetrics metrics,
      Executor dispatch,
      ScheduledExecutorService timer) {
    this.window = window;
    this.recent = recent;
    this.metrics = metrics;
    this.dispatch = dispatch;
    this.timer = timer;
  }

  /**
   * Takes a job in flight and arms its timeout.
   *
   * @return null when accepted, else why not (the window is full, or its id is in flight)
   */
  public PublishException accept(PendingJob job) {
    if (!window.tryAcquire()) {
      metrics.failed("in_flight_limit");
      return PublishException.inFlightLimit(job.id(), window.max());
    }
    if (byId.putIfAbsent(job.id(), job) != null) {
      window.release();
      metrics.failed("duplicate_id");
      return PublishException.duplicateId(job.id());
    }
    if (job.kind() == PendingJob.Kind.RESULT) {
      recent.remove(job.id()); // submitted again: its next result is wanted
    }
    job.future()
        .whenComplete(
            (r, e) -> {
              if (job.claim()) { // finished by the caller, e.g. cancel()
                release(job);
              }
            });
    job.timer(
        timer.schedule(
            () -> failLater(job, timeoutFor(job), "timeout"),
            job.timeout().toNanos(),
            TimeUnit.NANOSECONDS));
    if (job.isFinished()) {
      job.cancelTimer(); // finished before its timer was set
    }
    return null;
  }

  /** The job in flight with this id, or null. */
  public PendingJob get(String id) {
    return byId.get(id);
  }

  /** Every job in flight now. */
  public List<PendingJob> all() {
    return new ArrayList<>(byId.values());
  }

  /** Jobs in flight. */
  public int inFlight() {
    return window.inFlight();
  }

  /** Completes a job with its result; call on the dispatch thread. */
  public void complete(PendingJob job, JobResult result) {
    if (job.claim()) {
      release(job);
      metrics.result(result.status(), System.nanoTime() - job.acceptedNanos());
      job.future().complete(result);
    }
  }

  /** The broker confirmed the job; completes a {@code publish} job. Call on the dispatch thread. */
  public void confirmed(PendingJob job) {
    job.markConfirmed();
    if (job.kind() == PendingJob.Kind.CONFIRM && job.claim()) {
      release(job);
      job.future().complete(null);
    }
  }

  /** Fails a job now, on the calling thread. */
  public void fail(PendingJob job, Throwable failure, String reason) {
    if (job.claim()) {
      release(job);
      metrics.failed(reason);
      LOG.debug("job {} failed: {}", job.id(), failure.getMessage());
      job.future().completeExceptionally(failure);
    }
  }

  /** Fails a job on the dispatch thread (now, on this thread, when dispatch has stopped). */
  public void failLater(PendingJob job, Throwable failure, String reason) {
    try {
      dispatch.execute(() -> fail(job, failure, reason));
    } catch (RejectedExecutionException e) {
      fail(job, failure, reason);
    }
  }

  /** Fails a job with a publish failure on the dispatch thread. */
  public void failLater(PendingJob job, PublishException failure) {
    failLater(job, failure, failure.reason().name().toLowerCase(Locale.ROOT));
  }

  /** Runs {@code task} on the dispatch thread (on this thread when dispatch has stopped). */
  public void dispatch(Runnable task) {
    try {
      dispatch.execute(task);
    } catch (RejectedExecutionException e) {
      task.run();
    }
  }

  private void release(PendingJob job) {
    job.cancelTimer();
    byId.remove(job.id(), job);
    window.release();
  }

  private static Exception timeoutFor(PendingJob job) {
    return job.kind() == PendingJob.Kind.RESULT
        ? JobTimeoutException.noResult(job.id(), job.timeout())
        : JobTimeoutException.noConfirm(job.id(), job.timeout());
  }
}
