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
import dev.aijobs.worker.route.Admission;
import dev.aijobs.worker.route.Decision;
import dev.aijobs.worker.route.Permit;
import dev.aijobs.worker.route.ProviderFeedback;
import dev.aijobs.worker.route.Router;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job's way through its attempt chain: for each (provider, model) of the job, calls as the
 * {@link Router} admits them and, after a failure, what it decides next (retry, another key,
 * direct, the next target, give up). This class decides nothing itself: it carries out the router's
 * answers, holds each call's {@link Permit} until the outcome settles it, and keeps the job's
 * record (attempts, timing, chunks). Attempts run one at a time; none holds a thread while waiting.
 * Completes {@link #start()}'s future with exactly one result, whatever happens: every callback is
 * guarded (a bug becomes an {@code internal} result), and a watchdog ends the job {@link #GRACE}
 * after its deadline if nothing else did.
 */
final class JobRun {
  private static final Logger log = LoggerFactory.getLogger(JobRun.class);

  /** How long past its deadline a job may still be running before the watchdog ends it. */
  static final long GRACE_MILLIS = 5_000;

  /** How long a provider's lane pauses after a 429 without {@code Retry-After} on its last key. */
  static final Duration RATE_LIMIT_PAUSE = Duration.ofSeconds(2);

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
  private int keyRotations;
  private int rateLimitedCalls;
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
        Math.max(0, deadlineMs - ctx.clock().currentTimeMillis()) + GRACE_MILLIS; // never overflows
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
    keyRotations = 0;
    route = provider().usesProxy() ? Route.PROXY : Route.DIRECT;
    schedule(0);
  }

  private void schedule(long delayMillis) {
    if (delayMillis <= 0) {
      ctx.executor().execute(() -> guarded(this::attempt));
    } else {
      later(TimeUnit.MILLISECONDS.toNanos(delayMillis), this::attempt);
    }
  }

  /** Runs {@code step} (guarded) on the dispatch executor once {@code nanos} have passed. */
  private void later(long nanos, Runnable step) {
    ctx.timer()
        .newTimeout(t -> ctx.executor().execute(() -> guarded(step)), nanos, TimeUnit.NANOSECONDS);
  }

  /** Runs on the dispatch executor: asks the router, then carries out its admission answer. */
  private synchronized void attempt() {
    if (done.isDone()) {
      return; // ended meanwhile (the watchdog, a worker error)
    }
    long left = deadlineMs - ctx.clock().currentTimeMillis();
    if (left <= 0) {
      finishError(JobError.of(ErrorCode.DEADLINE_EXCEEDED, "the job's deadline passed"));
      return;
    }
    ProviderConfig p = provider();
    Admission a =
        ctx.router()
            .admit(
                new Router.Ask(
                    p,
                    targets.get(targetIndex).model(),
                    route,
                    targetIndex + 1 < targets.size(),
                    TimeUnit.MILLISECONDS.toNanos(left)));
    if (a.kind() != Admission.Kind.GO
        && a.error().code() == ErrorCode.PROXY_UNAVAILABLE
        && a.waitNanos() > 0) {
      // The proxy's breaker is open and direct is not allowed: nothing of this provider can go.
      ctx.feedback()
          .unavailable(
              p.id(), Duration.ofNanos(a.waitNanos()), "the circuit breaker of its proxy is open");
    }
    switch (a.kind()) {
      case GO -> {
        if (a.switchedBecause() != null) {
          ctx.metrics().fallback(p.id(), a.switchedBecause());
        }
        route = a.route();
        Permit permit = a.permit();
        Route r = route;
        Runnable launch =
            () ->
                permit.whenBulkheadAllows(
                    () -> guarded(() -> launch(p, r, permit)), ctx.executor());
        long wait = permit.rateWaitNanos();
        if (wait > 0) {
          later(wait, launch);
        } else {
          launch.run();
        }
      }
      case WAIT -> {
        // No fallback left: wait for the breaker's probe (within the deadline), then ask again.
        lastError = a.error();
        lastRoute = a.route();
        schedule(TimeUnit.NANOSECONDS.toMillis(a.waitNanos()) + 1);
      }
      case SKIP_TARGET -> {
        lastError = a.error();
        lastRoute = a.route();
        beginTarget(targetIndex + 1);
      }
      case GIVE_UP -> {
        lastRoute = a.route();
        finishError(a.error());
      }
    }
  }

  private void launch(ProviderConfig p, Route r, Permit permit) {
    final int no;
    synchronized (this) {
      // Past the deadline after waiting for a bulkhead place (or its rate slot): no call.
      no = done.isDone() || ctx.clock().currentTimeMillis() >= deadlineMs ? -1 : ++attemptNo;
      if (no > 0 && chunks != null) {
        chunks.newAttempt(no);
      }
    }
    if (no < 0) {
      permit.release();
      synchronized (this) {
        if (!done.isDone()) {
          finishError(JobError.of(ErrorCode.DEADLINE_EXCEEDED, "the job's deadline passed"));
        }
      }
      return;
    }
    String model = targets.get(targetIndex).model();
    KeyPool keys = ctx.keys(p.id());
    AttemptSpec spec = new AttemptSpec(p, model, r, keys.next(), job, deadlineMs);
    long t0 = ctx.clock().nanoTime();
    CompletableFuture<AttemptOutcome> call;
    try {
      call = ctx.upstream().call(spec, (text, reasoning) -> onDelta(no, text, reasoning));
    } catch (RuntimeException | Error e) {
      call = CompletableFuture.failedFuture(e);
    }
    call.whenComplete(
        (outcome, bug) -> {
          AttemptOutcome o =
              bug == null && outcome != null
                  ? outcome
                  : AttemptOutcome.failed(
                      JobError.of(ErrorCode.INTERNAL, "worker error: " + bug), null);
          permit.record(o.error() == null ? null : o.error().code(), o.kind());
          guarded(() -> onOutcome(spec, o, ctx.clock().nanoTime() - t0, keys));
        });
  }

  /** Tells the provider's lane how the call went: answers raise its limit, overload lowers it. */
  private void report(ProviderConfig p, AttemptOutcome o, KeyPool keys) {
    ProviderFeedback f = ctx.feedback();
    if (o.isOk()) {
      f.answered(p.id());
      return;
    }
    ErrorCode code = o.error().code();
    Integer status = o.error().httpStatus();
    if (code == ErrorCode.RATE_LIMITED) {
      f.overloaded(p.id());
      if (keys.available() == 0) {
        f.unavailable(
            p.id(),
            o.retryAfter() != null ? o.retryAfter() : RATE_LIMIT_PAUSE,
            "every key is rate-limited (429)");
      }
    } else if (code == ErrorCode.TIMEOUT || (status != null && status >= 500)) {
      f.overloaded(p.id());
    } else if (status != null && status >= 400) {
      f.answered(p.id()); // the provider keeps up; the request was refused
    }
  }

  private void onDelta(int no, String text, String reasoning) {
    if (no != attemptNo || chunks == null) {
      return;
    }
    if (firstTokenNanos < 0) {
      firstTokenNanos = ctx.clock().nanoTime();
      ctx.metrics().ttft(provider().id(), firstTokenNanos - startNanos);
    }
    chunks.add(no, text, reasoning);
  }

  private synchronized void onOutcome(
      AttemptSpec spec, AttemptOutcome o, long nanos, KeyPool keys) {
    ProviderConfig p = spec.provider();
    upstreamNanos += nanos;
    attempts.add(new Attempt(p.id(), spec.model(), spec.route(), o.outcome(), nanos / 1_000_000));
    lastRoute = spec.route();
    ctx.metrics().attempt(p.id(), spec.route(), o.outcome(), nanos);
    Keys.record(o, spec.apiKey(), keys);
    report(p, o, keys);
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
    Decision d =
        ctx.router()
            .decide(
                new Router.Failed(o.error().code(), o.kind(), o.retryAfter(), spec.viaProxy()),
                new Router.Standing(
                    retriesOnTarget,
                    keyRotations,
                    rateLimitedCalls,
                    attempts.size()
                        - rateLimitedCalls
                        - (o.error().code() == ErrorCode.RATE_LIMITED ? 1 : 0),
                    targetIndex + 1 < targets.size(),
                    deadlineMs - ctx.clock().currentTimeMillis(),
                    keys.available()),
                p);
    switch (d.action()) {
      case SWITCH_TO_DIRECT -> {
        route = Route.DIRECT_AFTER_PROXY_FAILURE;
        ctx.metrics().fallback(p.id(), o.kind().name().toLowerCase(Locale.ROOT));
        schedule(0);
      }
      case WAIT_RATE_LIMIT -> {
        rateLimitedCalls++;
        ctx.metrics().retry(p.id(), o.error().code());
        schedule(d.delay().toMillis());
      }
      case ROTATE_KEY -> {
        keyRotations++;
        ctx.metrics().retry(p.id(), o.error().code());
        schedule(0);
      }
      case RETRY, RETRY_DIRECT -> {
        retriesOnTarget++;
        ctx.metrics().retry(p.id(), o.error().code());
        if (d.action() == Decision.Action.RETRY_DIRECT) {
          route = Route.DIRECT_AFTER_PROXY_FAILURE;
          ctx.metrics().fallback(p.id(), o.kind().name().toLowerCase(Locale.ROOT));
        }
        schedule(d.delay().toMillis());
      }
      case NEXT_TARGET -> beginTarget(targetIndex + 1);
      case GIVE_UP -> finishError(lastError);
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
    return new Timing(queuedMs, ttft, upstream, (ctx.clock().nanoTime() - startNanos) / 1_000_000);
  }
}
