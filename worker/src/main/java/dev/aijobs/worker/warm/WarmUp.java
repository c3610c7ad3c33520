package dev.aijobs.worker.warm;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aijobs.protocol.JobCodec;
import dev.aijobs.protocol.JobRequest;
import dev.aijobs.protocol.JobResult;
import dev.aijobs.worker.config.ProviderConfig;
import dev.aijobs.worker.config.WorkerConfig;
import dev.aijobs.worker.execute.ChunkSink;
import dev.aijobs.worker.execute.JobExecutor;
import dev.aijobs.worker.execute.Upstream;
import dev.aijobs.worker.metrics.WorkerMetrics;
import dev.aijobs.worker.route.Clock;
import dev.aijobs.worker.route.ProviderFeedback;
import dev.aijobs.worker.route.ProviderGuards;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.util.Timer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The start-up warm-up. Before a worker takes its first job it runs synthetic jobs through the path
 * real ones take once consumed (the job's JSON decoded, the router, the HTTP client with a pooled
 * connection, the provider's answer parsed as JSON or as a stream, chunks and the result encoded),
 * against a {@link WarmUpStub} on loopback, so that the JIT has compiled that path before the
 * broker hands the worker thousands of jobs at once (a deploy, or a scale-up into a full queue).
 * Without it the first seconds of a fresh worker under load ran interpreted code and answered
 * seconds late (docs/benchmarks.md). Nothing of it reaches the broker, the real providers or the
 * worker's metrics; a warm-up that fails only says so in the log.
 */
public final class WarmUp {
  /** The warm-up's own provider id (never a configured one: it is not in the worker's config). */
  public static final String PROVIDER = "aijobs-warm-up";

  /** Jobs in flight at once: enough to exercise the pool and both I/O threads. */
  static final int CONCURRENCY = 64;

  private WarmUp() {}

  /**
   * What a warm-up did.
   *
   * @param jobs synthetic jobs finished
   * @param ok of them answered ok
   * @param millis how long it took
   */
  public record Outcome(int jobs, int ok, long millis) {}

  /**
   * Runs {@code jobs} synthetic jobs (every fourth streamed), {@value #CONCURRENCY} at a time,
   * stopping early when {@code budget} runs out. Blocks; call it at start-up, off the event loop.
   */
  public static Outcome run(
      WorkerConfig config,
      EventLoopGroup group,
      Upstream upstream,
      Timer timer,
      Executor executor,
      JobCodec codec,
      int jobs,
      Duration budget)
      throws InterruptedException {
    long t0 = System.nanoTime();
    if (jobs <= 0) {
      return new Outcome(0, 0, 0);
    }
    try (WarmUpStub stub = WarmUpStub.start(group)) {
      ProviderConfig provider =
          ProviderConfig.builder(PROVIDER, URI.create(stub.baseUrl()))
              .maxConcurrency(CONCURRENCY * 2)
              .maxRetries(0)
              .build();
      WorkerConfig own = config.withProvider(provider);
      SimpleMeterRegistry registry = new SimpleMeterRegistry(); // never scraped
      JobExecutor run =
          new JobExecutor(
              own,
              upstream,
              new ProviderGuards(own, registry, Clock.SYSTEM),
              timer,
              Clock.SYSTEM,
              executor,
              new WorkerMetrics(registry, () -> 0, () -> 0),
              ProviderFeedback.NONE);
      Chain chain = new Chain(run, codec, executor, jobs);
      for (int i = 0; i < Math.min(CONCURRENCY, jobs); i++) {
        executor.execute(chain::next);
      }
      chain.done.await(budget.toMillis(), TimeUnit.MILLISECONDS);
      chain.stop();
      return new Outcome(
          jobs - (int) chain.done.getCount(),
          chain.ok.get(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }
  }

  /** Starts the next synthetic job whenever one finishes, until all have been started. */
  private static final class Chain {
    private final JobExecutor run;
    private final JobCodec codec;
    private final Executor executor;
    private final int jobs;
    private final AtomicInteger started = new AtomicInteger();
    private final AtomicInteger ok = new AtomicInteger();
    private final CountDownLatch done;
    private volatile boolean stopped;

    Chain(JobExecutor run, JobCodec codec, Executor executor, int jobs) {
      this.run = run;
      this.codec = codec;
      this.executor = executor;
      this.jobs = jobs;
      this.done = new CountDownLatch(jobs);
    }

    void stop() {
      stopped = true;
    }

    void next() {
      int n = started.getAndIncrement();
      if (n >= jobs || stopped) {
        return;
      }
      try {
        long now = System.currentTimeMillis();
        ObjectNode message =
            codec.newObject().put("role", "user").put("content", "warm-up job " + n);
        JobRequest job =
            new JobRequest(
                1,
                "warm-up-" + n,
                PROVIDER,
                "warm-up",
                List.of(),
                List.of(message),
                null,
                n % 4 == 3,
                now,
                now + 30_000,
                null);
        // Through the wire format both ways, as a consumed job and its result go.
        JobRequest decoded = codec.decodeRequest(codec.encodeRequest(job));
        ChunkSink chunks = chunk -> codec.encodeChunk(chunk);
        run.execute(decoded, now + 30_000, System.nanoTime(), 0L, chunks)
            .whenComplete((result, bug) -> finished(result));
      } catch (RuntimeException e) {
        finished(null);
      }
    }

    private void finished(JobResult result) {
      try {
        if (result != null) {
          codec.encodeResult(result);
          if (result.isOk()) {
            ok.incrementAndGet();
          }
        }
      } finally {
        done.countDown();
        executor.execute(this::next); // on the dispatch executor, as consumed jobs start
      }
    }
  }
}
