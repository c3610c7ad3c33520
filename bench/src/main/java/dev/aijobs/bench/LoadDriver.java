package dev.aijobs.bench;

import dev.aijobs.protocol.JobRequest;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Drives jobs through a {@link JobSender}: closed loop (a fixed number in flight, the next sent
 * when one is answered) or open loop (a fixed arrival rate, latency counted from each job's
 * intended send time, so queueing delay is not hidden). Prints progress to stderr.
 */
final class LoadDriver {
  private static final long MAX_NANOS = TimeUnit.MINUTES.toNanos(30);

  private final JobSender sender;
  private final IntFunction<JobRequest> jobs;
  private final Histogram e2e = new ConcurrentHistogram(MAX_NANOS, 3);
  private final Histogram ttft = new ConcurrentHistogram(MAX_NANOS, 3);
  private final AtomicLong done = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private final AtomicLong chunks = new AtomicLong();

  LoadDriver(JobSender sender, IntFunction<JobRequest> jobs) {
    this.sender = sender;
    this.jobs = jobs;
  }

  /** Closed loop: {@code total} jobs with {@code inFlight} outstanding at any time. */
  Measured closedLoop(int total, int inFlight, String label) throws InterruptedException {
    CountDownLatch finished = new CountDownLatch(total);
    AtomicLong next = new AtomicLong();
    long start = System.nanoTime();
    Progress progress = Progress.start(label, done, total);
    for (int i = 0; i < Math.min(inFlight, total); i++) {
      sendNext(next, total, finished);
    }
    boolean complete = finished.await(30, TimeUnit.MINUTES);
    progress.stop();
    double seconds = (System.nanoTime() - start) / 1e9;
    if (!complete) {
      errors.addAndGet(finished.getCount());
    }
    return new Measured(done.get(), errors.get(), seconds, e2e, ttft, chunks.get());
  }

  private void sendNext(AtomicLong next, int total, CountDownLatch finished) {
    long n = next.getAndIncrement();
    if (n >= total) {
      return;
    }
    sender
        .send(jobs.apply((int) n))
        .whenComplete(
            (o, e) -> {
              record(o, e, 0);
              finished.countDown();
              sendNext(next, total, finished);
            });
  }

  /** Open loop: {@code rate} jobs per second for {@code seconds}. */
  Measured openLoop(int rate, int seconds, String label) throws InterruptedException {
    int total = rate * seconds;
    CountDownLatch finished = new CountDownLatch(total);
    long start = System.nanoTime();
    long interval = 1_000_000_000L / rate;
    Progress progress = Progress.start(label, done, total);
    for (int i = 0; i < total; i++) {
      long intended = start + i * interval;
      long wait = intended - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      long lag = Math.max(0, System.nanoTime() - intended);
      sender
          .send(jobs.apply(i))
          .whenComplete(
              (o, e) -> {
                record(o, e, lag);
                finished.countDown();
              });
    }
    boolean complete = finished.await(30, TimeUnit.MINUTES);
    progress.stop();
    double secs = (System.nanoTime() - start) / 1e9;
    if (!complete) {
      errors.addAndGet(finished.getCount());
    }
    return new Measured(done.get(), errors.get(), secs, e2e, ttft, chunks.get());
  }

  private void record(JobSender.Outcome o, Throwable e, long lagNanos) {
    done.incrementAndGet();
    if (e != null || !o.ok()) {
      if (errors.incrementAndGet() == 1) {
        System.err.println("  first error: " + (e != null ? e : "result not ok"));
      }
      return;
    }
    e2e.recordValue(Math.min(MAX_NANOS, o.e2eNanos() + lagNanos));
    if (o.ttftNanos() >= 0) {
      ttft.recordValue(Math.min(MAX_NANOS, o.ttftNanos() + lagNanos));
    }
    chunks.addAndGet(o.chunks());
  }

  /** What a drive measured. */
  record Measured(
      long jobs, long errors, double seconds, Histogram e2e, Histogram ttft, long chunks) {}

  /** Prints progress every two seconds. */
  private static final class Progress {
    private final Thread thread;

    private Progress(Thread thread) {
      this.thread = thread;
    }

    static Progress start(String label, AtomicLong done, long total) {
      Thread t =
          new Thread(
              () -> {
                long last = 0;
                long lastTime = System.nanoTime();
                while (!Thread.currentThread().isInterrupted()) {
                  try {
                    Thread.sleep(2000);
                  } catch (InterruptedException e) {
                    return;
                  }
                  long now = System.nanoTime();
                  long d = done.get();
                  System.err.printf(
                      "  %-22s %,8d / %,d  (%,.0f jobs/s)%n",
                      label, d, total, (d - last) / ((now - lastTime) / 1e9));
                  last = d;
                  lastTime = now;
                }
              },
              "bench-progress");
      t.setDaemon(true);
      t.start();
      return new Progress(t);
    }

    void stop() {
      thread.interrupt();
    }
  }
}
