package dev.aijobs.worker.execute;

import dev.aijobs.protocol.Attempt;
import dev.aijobs.protocol.ErrorCode;
import dev.aijobs.protocol.JobError;
import dev.aijobs.protocol.JobRequest;
import dev.aijobs.protocol.JobResult;
import dev.aijobs.protocol.Route;
import dev.aijobs.protocol.Target;
import dev.aijobs.protocol.Timing;
import dev.aijobs.worker.config.ProviderConfig;
import dev.aijobs.worker.route.Decision;
import dev.aijobs.worker.route.RetryPolicy;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job's way through its attempt chain: for each (provider, model) of the job, the provider's
 * routes (proxy, then direct on a proxy-layer failure when allowed), retries as the {@link
 * RetryPolicy} decides, under the provider's bulkhead, rate limiter and circuit breakers. Attempts
 * run one at a time; none holds a thread while waiting. Completes {@link #start()}'s future with
 * exactly one result, whatever happens: every callback is guarded (a bug becomes an {@code
 * internal} result), and a watchdog ends the job {@link #GRACE} after its deadline if nothing else
 * did.
 */
final class JobRun {
  private static final Logger log = LoggerFactory.getLogger(JobRun.class);

  /** How long past its deadline a job may still be running before the watchdog ends it. */
  static final long GRACE_MILLIS = 5_000;

  private final ExecutionContext ctx;
  private final JobRequest job;
  private final List<Target> targets;
  private final long deadlineMs;
  private final long startNanos;
  private final Long queuedMs;
  private final ChunkCoalescer chunks;
  private final CompletableFuture<JobResult> done = new CompletableFuture<>();
  private final List<Attempt> attempts = new ArrayList<>();

  private int targetIndex;
  private Route route;
  private int retriesOnTarget;
  private long upstreamNanos;
  private JobError lastError;
  private Route lastRoute;
  private volatile int attemptNo;
  private volatile long firstTokenNanos = -1;

  JobRun(
      ExecutionContext ctx,
      JobRequest job,
      long deadlineMs,
      long startNanos,
      Long queuedMs,
      ChunkSink sink) {
    this.ctx = ctx;
    this.job = job;
    this.targets = job.targets();
    this.deadlineMs = deadlineMs;
    this.startNanos = startNanos;
    this.queuedMs = queuedMs;
    this.chunks =
        job.stream()
            ? new ChunkCoalescer(
                job.id(),
                job.meta(),
                sink,
                ctx.timer(),
                ctx.config().chunks().interval(),
                ctx.config().chunks().chars())
            : null;
  }

  /** Starts the first attempt on the calling thread (the consumer's dispatch thread). */
  CompletableFuture<JobResult> start() {
    long untilWatchdog =
        Math.max(0, deadlineMs - System.currentTimeMillis()) + GRACE_MILLIS; // never overflows
    io.netty.util.Timeout watchdog =
        ctx.timer()
            .newTimeout(
                t -> ctx.executor().execute(this::watchdog), untilWatchdog, TimeUnit.MILLISECONDS);
    done.whenComplete((r, e) -> watchdog.cancel());
    synchronized (this) {
      targetIndex = 0;
      route = provider().usesProxy() ? Route.PROXY : Route.DIRECT;
    }
    guarded(this::attempt);
    return done;
  }

  /** Ends a job still running past its deadline and grace: its attempt's result is ignored. */
  private synchronized void watchdog() {
    if (!done.isDone()) {
      log.atWarn()
          .addKeyValue("job_id", job.id())
          .addKeyValue("provider", provider().id())
          .log(
              "job {} still running {} ms past its deadline: ended as deadline_exceeded",
              job.id(),
              GRACE_MILLIS);
      finishError(
          JobError.of(
              ErrorCode.DEADLINE_EXCEEDED,
              "the job's deadline passed while an attempt was still running"));
    }
  }

  /**
   * Runs {@code step} of this job; an exception there (a bug) ends the job with an {@code internal}
   * result instead of leaving it without one.
   */
  private void guarded(Runnable step) {
    try {
      step.run();
    } catch (RuntimeException | Error e) {
      log.atError()
          .addKeyValue("job_id", job.id())
          .setCause(e)
          .log("job {}: worker error, the job ends as internal", job.id());
      synchronized (this) {
        finishError(JobError.of(ErrorCode.INTERNAL, "worker error: " + e));
      }
    }
  }

  private ProviderConfig provider() {
    return ctx.config().providers().get(targets.get(targetIndex).provider());
  }

  private synchronized void beginTarget(int index) {
    targetIndex = index;
    retriesOnTarget = 0;
    route = provider().usesProxy() ? Route.PROXY : Route.DIRECT;
    schedule(0);
  }

  private void schedule(long delayMillis) {
    if (delayMillis <= 0) {
      ctx.executor().execute(() -> guarded(this::attempt));
    } else {
      ctx.timer()
          .newTimeout(
              t -> ctx.executor().execute(() -> guarded(this::attempt)),
              delayMillis,
              TimeUnit.MILLISECONDS);
    }
  }

  /** Runs on the dispatch executor: passes the guards, then launches the call. */
  private synchronized void attempt() {
    if (done.isDone()) {
      return; // ended meanwhile (the watchdog, a worker error)
    }
    long left = deadlineMs - System.currentTimeMillis();
    if (left <= 0) {
      finishError(JobError.of(ErrorCode.DEADLINE_EXCEEDED, "the job's deadline passed"));
      return;
    }
    ProviderConfig p = provider();
    CircuitBreaker proxyBreaker = null;
    if (route == Route.PROXY) {
      proxyBreaker = ctx.guards().proxyBreaker(p.proxy());
      if (!proxyBreaker.tryAcquirePermission()) {
        proxyBreaker = null;
        if (p.fallbackToDirect()) {
          route = Route.DIRECT_AFTER_PROXY_FAILURE;
          ctx.metrics().fallback(p.id(), "breaker_open");
        } else {
          skipTarget(JobError.of(ErrorCode.PROXY_UNAVAILABLE, "proxy circuit breaker is open"));
          return;
        }
      }
    }
    CircuitBreaker breaker = ctx.guards().breaker(p.id(), route);
    boolean permitted = breaker.tryAcquirePermission();
    if (!permitted && route == Route.PROXY && p.fallbackToDirect()) {
      // The provider is unwell through the proxy: try it direct before giving up on it.
      release(proxyBreaker);
      proxyBreaker = null;
      route = Route.DIRECT_AFTER_PROXY_FAILURE;
      ctx.metrics().fallback(p.id(), "breaker_open");
      breaker = ctx.guards().breaker(p.id(), route);
      permitted = breaker.tryAcquirePermission();
    }
    if (!permitted) {
      release(proxyBreaker);
      skipTarget(
          JobError.of(
              ErrorCode.UPSTREAM_ERROR,
              "circuit breaker of " + p.id() + " (" + route.wireName() + ") is open"));
      return;
    }
    long wait = ctx.guards().reserveRate(p.id(), java.time.Duration.ofMillis(left));
    if (wait < 0) {
      release(proxyBreaker);
      breaker.releasePermission();
      skipTarget(
          JobError.of(ErrorCode.RATE_LIMITED, "rate limit of " + p.id() + " leaves no time"));
      return;
    }
    Route r = route;
    CircuitBreaker pb = proxyBreaker;
    CircuitBreaker cb = breaker;
    Runnable launch =
        () ->
            ctx.guards()
                .whenPermitted(p.id(), () -> guarded(() -> launch(p, r, cb, pb)), ctx.executor());
    if (wait > 0) {
      ctx.timer()
          .newTimeout(
              t -> ctx.executor().execute(() -> guarded(launch)), wait, TimeUnit.NANOSECONDS);
    } else {
      launch.run();
    }
  }

  private static void release(CircuitBreaker b) {
    if (b != null) {
      b.releasePermission();
    }
  }

  private void launch(
      ProviderConfig p, Route r, CircuitBreaker breaker, CircuitBreaker proxyBreaker) {
    if (System.currentTimeMillis() >= deadlineMs) {
      // It waited for a bulkhead permit (or the rate limiter) past the deadline: no call.
      ctx.guards().release(p.id());
      breaker.releasePermission();
      release(proxyBreaker);
      synchronized (this) {
        finishError(JobError.of(ErrorCode.DEADLINE_EXCEEDED, "the job's deadline passed"));
      }
      return;
    }
    int no;
    synchronized (this) {
      no = ++attemptNo;
      if (chunks != null) {
        chunks.newAttempt(no);
      }
    }
    String model = targets.get(targetIndex).model();
    KeyPool keys = ctx.keys(p.id());
    AttemptSpec spec = new AttemptSpec(p, model, r, keys.next(), job, deadlineMs);
    long t0 = System.nanoTime();
    ctx.upstream()
        .call(spec, (text, reasoning) -> onDelta(no, text, reasoning))
        .whenComplete(
            (outcome, bug) -> {
              AttemptOutcome o =
                  bug == null
                      ? outcome
                      : AttemptOutcome.failed(
                          JobError.of(ErrorCode.INTERNAL, bug.toString()), null);
              ctx.guards().release(p.id());
              guarded(
                  () -> onOutcome(spec, o, System.nanoTime() - t0, breaker, proxyBreaker, keys));
            });
  }

  private void onDelta(int no, String text, String reasoning) {
    if (no != attemptNo || chunks == null) {
      return;
    }
    if (firstTokenNanos < 0) {
      firstTokenNanos = System.nanoTime();
      ctx.metrics().ttft(provider().id(), firstTokenNanos - startNanos);
    }
    chunks.add(no, text, reasoning);
  }

  private synchronized void onOutcome(
      AttemptSpec spec,
      AttemptOutcome o,
      long nanos,
      CircuitBreaker breaker,
      CircuitBreaker proxyBreaker,
      KeyPool keys) {
    ProviderConfig p = spec.provider();
    upstreamNanos += nanos;
    attempts.add(new Attempt(p.id(), spec.model(), spec.route(), o.outcome(), nanos / 1_000_000));
    lastRoute = spec.route();
    ctx.metrics().attempt(p.id(), spec.route(), o.outcome(), nanos);
    Breakers.record(o, nanos, breaker, proxyBreaker);
    Keys.record(o, spec.apiKey(), keys);
    if (done.isDone()) {
      return; // the watchdog ended the job: this late outcome decides nothing
    }
    if (o.isOk()) {
      finishOk(o);
      return;
    }
    lastError = o.error();
    if (o.kind() != null && o.kind().isProxyFault()) {
      ctx.metrics().proxyFailure(p.id(), o.kind());
    }
    if (Keys.anotherKeyMayHelp(o, keys)
        && attempts.size() < ctx.config().retry().maxAttempts()
        && retriesOnTarget < p.maxRetries() + keys.size()) {
      // The key was refused or rate-limited and set aside: the pool's next key, at once.
      retriesOnTarget++;
      ctx.metrics().retry(p.id(), o.error().code());
      schedule(0);
      return;
    }
    Decision d =
        ctx.retryPolicy()
            .decide(
                new RetryPolicy.Failure(
                    o.error().code(),
                    o.kind(),
                    spec.viaProxy(),
                    p.fallbackToDirect(),
                    o.retryAfter(),
                    retriesOnTarget,
                    p.maxRetries(),
                    attempts.size(),
                    targetIndex + 1 < targets.size(),
                    deadlineMs - System.currentTimeMillis()));
    switch (d.action()) {
      case SWITCH_TO_DIRECT -> {
        route = Route.DIRECT_AFTER_PROXY_FAILURE;
        ctx.metrics().fallback(p.id(), o.kind().name().toLowerCase(java.util.Locale.ROOT));
        schedule(0);
      }
      case RETRY -> {
        retriesOnTarget++;
        ctx.metrics().retry(p.id(), o.error().code());
        schedule(d.delay().toMillis());
      }
      case NEXT_TARGET -> beginTarget(targetIndex + 1);
      case GIVE_UP -> finishError(lastError);
    }
  }

  /** The current target cannot be tried (open breaker, rate limit): next target or give up. */
  private void skipTarget(JobError why) {
    lastError = why;
    if (targetIndex + 1 < targets.size()) {
      beginTarget(targetIndex + 1);
    } else {
      finishError(why);
    }
  }

  private void finishOk(AttemptOutcome o) {
    if (chunks != null) {
      chunks.flushAndClose();
    }
    done.complete(
        JobResult.ok(job.id(), o.completion(), lastRoute, attempts, timing(), job.meta()));
  }

  private void finishError(JobError error) {
    if (chunks != null) {
      // Text still waiting for its interval goes out now: a timer flush after the result would
      // break "chunks come before the result" (and is dropped only once the job is acked).
      chunks.flushAndClose();
    }
    done.complete(JobResult.error(job.id(), error, lastRoute, attempts, timing(), job.meta()));
  }

  private Timing timing() {
    Long ttft = firstTokenNanos < 0 ? null : (firstTokenNanos - startNanos) / 1_000_000;
    Long upstream = attempts.isEmpty() ? null : upstreamNanos / 1_000_000;
    return new Timing(queuedMs, ttft, upstream, (System.nanoTime() - startNanos) / 1_000_000);
  }
}
