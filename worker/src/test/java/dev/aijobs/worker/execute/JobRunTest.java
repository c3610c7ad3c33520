package dev.aijobs.worker.execute;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.aijobs.protocol.Attempt;
import dev.aijobs.protocol.Completion;
import dev.aijobs.protocol.ErrorCode;
import dev.aijobs.protocol.JobError;
import dev.aijobs.protocol.JobRequest;
import dev.aijobs.protocol.JobResult;
import dev.aijobs.protocol.Route;
import dev.aijobs.protocol.Target;
import dev.aijobs.worker.config.ConfigLoader;
import dev.aijobs.worker.config.ConfigSource;
import dev.aijobs.worker.config.WorkerConfig;
import dev.aijobs.worker.metrics.WorkerMetrics;
import dev.aijobs.worker.route.FailureKind;
import dev.aijobs.worker.route.ProviderFeedback;
import dev.aijobs.worker.route.ProviderGuards;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A job run carrying out the router's answers, with scripted provider calls and hand-moved time:
 * which calls are made, on which route, and what the result says.
 */
class JobRunTest {
  private final ManualTime time = new ManualTime();
  private final ScriptedUpstream upstream = new ScriptedUpstream();
  private final Map<String, String> env = new HashMap<>();
  private JobExecutor executor;
  private int ids;

  JobRunTest() {
    env.put("AIJOBS_PROVIDER_A_BASE_URL", "http://127.0.0.1:9/v1");
    env.put("AIJOBS_PROVIDER_A_MAX_RETRIES", "0");
    env.put("AIJOBS_PROVIDER_P_BASE_URL", "http://127.0.0.1:9/v1");
    env.put("AIJOBS_PROVIDER_P_MODE", "socks5");
    env.put("AIJOBS_PROVIDER_P_PROXY_URL", "socks5://127.0.0.1:1080");
    env.put("AIJOBS_PROVIDER_P_MAX_RETRIES", "1");
    env.put("AIJOBS_PROVIDER_S_BASE_URL", "http://127.0.0.1:9/v1");
    env.put("AIJOBS_PROVIDER_S_MODE", "socks5");
    env.put("AIJOBS_PROVIDER_S_PROXY_URL", "socks5://127.0.0.1:1081");
    env.put("AIJOBS_PROVIDER_S_MAX_RETRIES", "1");
    env.put("AIJOBS_PROVIDER_S_FALLBACK_TO_DIRECT", "false");
    env.put("AIJOBS_RETRY_BASE_DELAY", "100ms");
    env.put("AIJOBS_RETRY_MAX_DELAY", "400ms");
  }

  private JobExecutor executor() {
    if (executor == null) {
      WorkerConfig config = ConfigLoader.load(ConfigSource.of(env));
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      ProviderGuards guards = new ProviderGuards(config, registry, time);
      WorkerMetrics metrics = new WorkerMetrics(registry, () -> 0, () -> 0);
      executor =
          new JobExecutor(
              config, upstream, guards, time, time, time, metrics, ProviderFeedback.NONE);
    }
    return executor;
  }

  private JobRequest job(String provider, String model, Target... fallbacks) {
    List<JsonNode> messages =
        List.of(JsonNodeFactory.instance.objectNode().put("role", "user").put("content", "hi"));
    return new JobRequest(
        1,
        "job-" + ++ids,
        provider,
        model,
        List.of(fallbacks),
        messages,
        null,
        false,
        null,
        null,
        null);
  }

  /** Starts {@code job} with a deadline {@code deadline} from now and runs what is ready. */
  private CompletableFuture<JobResult> start(JobRequest job, Duration deadline) {
    CompletableFuture<JobResult> f =
        executor()
            .execute(
                job,
                time.currentTimeMillis() + deadline.toMillis(),
                time.nanoTime(),
                null,
                c -> {});
    time.runPending();
    return f;
  }

  /** Runs {@code job} (30 s deadline) to its end, moving time only as far as it needs. */
  private JobResult run(JobRequest job) {
    CompletableFuture<JobResult> f = start(job, Duration.ofSeconds(30));
    for (int i = 0; i < 310 && !f.isDone(); i++) {
      time.advance(Duration.ofMillis(100));
    }
    assertThat(f).isDone();
    return f.join();
  }

  private static List<String> attempts(JobResult r) {
    List<String> out = new ArrayList<>();
    for (Attempt a : r.attempts()) {
      out.add(a.provider() + "/" + a.model() + " " + a.route().wireName() + " " + a.outcome());
    }
    return out;
  }

  private static AttemptOutcome ok() {
    return AttemptOutcome.ok(new Completion("fine", "stop", "x", "y", null));
  }

  private static AttemptOutcome http(ErrorCode code, int status) {
    return AttemptOutcome.failed(new JobError(code, "HTTP " + status, status, true), null);
  }

  private static AttemptOutcome transport(FailureKind kind) {
    return AttemptOutcome.transport(kind, kind.name());
  }

  @Test
  void aProxyThatCannotBeReachedIsLeftForDirectAtOnce() {
    upstream.script("p", "m", true, transport(FailureKind.PROXY_UNREACHABLE));
    JobResult r = run(job("p", "m"));

    assertThat(r.error()).isNull();
    assertThat(r.route()).isEqualTo(Route.DIRECT_AFTER_PROXY_FAILURE);
    assertThat(attempts(r))
        .containsExactly("p/m proxy proxy_unavailable", "p/m direct_after_proxy_failure ok");
  }

  @Test
  void aCutThroughTheProxyIsRetriedDirect() {
    upstream.script("p", "m", true, transport(FailureKind.CUT_MID_RESPONSE));
    JobResult r = run(job("p", "m"));

    assertThat(r.error()).isNull();
    assertThat(r.route()).isEqualTo(Route.DIRECT_AFTER_PROXY_FAILURE);
    assertThat(attempts(r))
        .containsExactly("p/m proxy upstream_error", "p/m direct_after_proxy_failure ok");
  }

  @Test
  void aStallThroughTheProxyIsRetriedDirect() {
    upstream.script("p", "m", true, transport(FailureKind.SILENT_TIMEOUT));
    JobResult r = run(job("p", "m"));

    assertThat(attempts(r))
        .containsExactly("p/m proxy timeout", "p/m direct_after_proxy_failure ok");
  }

  @Test
  void aCutThroughAProxyThatForbidsDirectIsRetriedThroughItWithinTheRetryBudget() {
    upstream.script("s", "m", true, transport(FailureKind.CUT_MID_RESPONSE));
    JobResult r = run(job("s", "m"));

    assertThat(r.error().code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
    assertThat(attempts(r)).containsExactly("s/m proxy upstream_error", "s/m proxy upstream_error");
    assertThat(upstream.calls()).noneMatch(c -> c.contains("direct"));
  }

  /** Runs ten jobs to a/{@code model} answered 503: the default breaker (10 calls, 50%) opens. */
  private void openBreakerOf(String model) {
    upstream.script("a", model, false, http(ErrorCode.UPSTREAM_ERROR, 503));
    for (int i = 0; i < 10; i++) {
      JobResult r = run(job("a", model));
      assertThat(r.error().code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
    }
  }

  @Test
  void anOpenBreakerMovesTheJobToItsFallbackWithoutACall() {
    openBreakerOf("bad");
    int calls = upstream.calls().size();

    JobResult r = run(job("a", "bad", new Target("a", "good")));

    assertThat(r.error()).isNull();
    assertThat(r.completion().content()).isEqualTo("fine");
    assertThat(attempts(r)).containsExactly("a/good direct ok");
    assertThat(upstream.calls().subList(calls, upstream.calls().size()))
        .containsExactly("a/good direct");
  }

  @Test
  void oneModelsOpenBreakerLeavesTheProvidersOtherModelsAlone() {
    openBreakerOf("bad");
    JobResult r = run(job("a", "other"));

    assertThat(r.error()).isNull();
    assertThat(attempts(r)).containsExactly("a/other direct ok");
  }

  @Test
  void withNoFallbackLeftAJobWaitsForTheProbeAndIsServedByThePrimary() {
    openBreakerOf("flaky");
    upstream.script("a", "flaky", false, ok()); // the outage is over
    CompletableFuture<JobResult> f = start(job("a", "flaky"), Duration.ofSeconds(20));

    time.advance(Duration.ofSeconds(4));
    assertThat(f).as("waiting for the breaker's probe (5 s)").isNotDone();
    time.advance(Duration.ofSeconds(2));
    assertThat(f).isDone();
    assertThat(f.join().error()).isNull();
    assertThat(attempts(f.join())).containsExactly("a/flaky direct ok");
  }

  @Test
  void aProbeAfterTheDeadlineEndsTheJobAtOnceNamingTheBreakerAndTheRoute() {
    openBreakerOf("down");
    int calls = upstream.calls().size();
    CompletableFuture<JobResult> f = start(job("a", "down"), Duration.ofSeconds(2));

    assertThat(f).isDone();
    JobResult r = f.join();
    assertThat(r.error().code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
    assertThat(r.error().message())
        .contains("circuit breaker of a/down (direct) is open")
        .contains("after the job's deadline");
    assertThat(r.route()).isEqualTo(Route.DIRECT);
    assertThat(r.attempts()).isEmpty();
    assertThat(upstream.calls()).hasSize(calls);
  }

  @Test
  void aFailedProbeKeepsTheBreakerOpenLonger() {
    openBreakerOf("down");
    // First probe after 5 s fails; the next one comes 10 s later.
    CompletableFuture<JobResult> first = start(job("a", "down"), Duration.ofSeconds(30));
    time.advance(Duration.ofSeconds(6));
    assertThat(first).isDone();
    assertThat(attempts(first.join())).containsExactly("a/down direct upstream_error");

    upstream.script("a", "down", false, ok());
    CompletableFuture<JobResult> second = start(job("a", "down"), Duration.ofSeconds(30));
    time.advance(Duration.ofSeconds(8));
    assertThat(second).as("the breaker's second opening lasts 10 s").isNotDone();
    time.advance(Duration.ofSeconds(3));
    assertThat(second).isDone();
    assertThat(second.join().error()).isNull();
  }

  @Test
  void rateLimitedAnswersDoNotOpenTheBreaker() {
    upstream.script("a", "busy", false, http(ErrorCode.RATE_LIMITED, 429));
    for (int i = 0; i < 30; i++) {
      assertThat(run(job("a", "busy")).error().code()).isEqualTo(ErrorCode.RATE_LIMITED);
    }
    upstream.script("a", "busy", false, ok());
    JobResult r = run(job("a", "busy"));
    assertThat(r.error()).isNull();
    assertThat(r.attempts()).hasSize(1);
  }

  @Test
  void requestErrorsDoNotOpenTheBreaker() {
    upstream.script("a", "strict", false, http(ErrorCode.BAD_REQUEST, 400));
    for (int i = 0; i < 30; i++) {
      assertThat(run(job("a", "strict")).error().code()).isEqualTo(ErrorCode.BAD_REQUEST);
    }
    upstream.script("a", "strict", false, ok());
    assertThat(run(job("a", "strict")).error()).isNull();
  }

  @Test
  void aRefusedKeyIsReplacedByTheNextAtOnce() {
    env.put("AIJOBS_PROVIDER_A_API_KEY", "key-one,key-two");
    upstream.script("a", "m", false, http(ErrorCode.AUTH_FAILED, 401), ok());
    CompletableFuture<JobResult> f = start(job("a", "m"), Duration.ofSeconds(30));

    assertThat(f).as("no backoff before another key").isDone();
    assertThat(attempts(f.join())).containsExactly("a/m direct auth_failed", "a/m direct ok");
    assertThat(upstream.keys()).hasSize(2).doesNotHaveDuplicates();
  }

  @Test
  void aRateLimitBurstLeavesNoPhantomReservations() {
    env.put("AIJOBS_PROVIDER_A_RATE_LIMIT", "10");
    List<CompletableFuture<JobResult>> burst = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      burst.add(start(job("a", "m"), Duration.ofSeconds(20)));
    }
    time.advance(Duration.ofSeconds(21));
    long ok = burst.stream().filter(f -> f.join().error() == null).count();
    long limited =
        burst.stream()
            .filter(f -> f.join().error() != null)
            .peek(f -> assertThat(f.join().error().code()).isEqualTo(ErrorCode.RATE_LIMITED))
            .peek(f -> assertThat(f.join().attempts()).isEmpty())
            .count();
    assertThat(ok).isBetween(200L, 211L);
    assertThat(ok + limited).isEqualTo(3000);

    time.advance(Duration.ofSeconds(4));
    for (int i = 0; i < 20; i++) {
      CompletableFuture<JobResult> f = start(job("a", "m"), Duration.ofSeconds(20));
      time.advance(Duration.ofMillis(100));
      assertThat(f).isDone();
      assertThat(f.join().error()).as("job %d after the burst", i).isNull();
    }
  }

  @Test
  void aCallThatNeverEndsIsEndedByTheWatchdog() {
    upstream.script("a", "stuck", false, ScriptedUpstream.NEVER);
    CompletableFuture<JobResult> f = start(job("a", "stuck"), Duration.ofSeconds(10));

    time.advance(Duration.ofSeconds(14));
    assertThat(f).isNotDone();
    time.advance(Duration.ofSeconds(2));
    assertThat(f).isDone();
    assertThat(f.join().error().code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED);
  }

  @Test
  void aBugInTheCallBecomesAnInternalResult() {
    upstream.failWith(() -> new IllegalStateException("boom"));
    JobResult r = run(job("a", "m"));

    assertThat(r.error().code()).isEqualTo(ErrorCode.INTERNAL);
    assertThat(r.error().message()).contains("boom");
  }

  /** Provider calls answered from a script per (provider, model, proxy or direct). */
  private static final class ScriptedUpstream implements Upstream {
    /** A call that never ends. */
    static final AttemptOutcome NEVER = AttemptOutcome.ok(new Completion("", "stop", "", "", null));

    private final Map<String, Deque<AttemptOutcome>> scripts = new HashMap<>();
    private final List<String> calls = new ArrayList<>();
    private final List<String> keys = new ArrayList<>();
    private Supplier<RuntimeException> bug;

    /**
     * Answers for a deployment, in order; the last one repeats. {@link #NEVER} is a call that never
     * ends.
     */
    void script(String provider, String model, boolean viaProxy, AttemptOutcome... outcomes) {
      scripts.put(
          key(provider, model, viaProxy), new ArrayDeque<>(java.util.Arrays.asList(outcomes)));
    }

    void failWith(Supplier<RuntimeException> bug) {
      this.bug = bug;
    }

    List<String> calls() {
      return calls;
    }

    List<String> keys() {
      return keys;
    }

    private static String key(String provider, String model, boolean viaProxy) {
      return provider + "/" + model + (viaProxy ? " proxy" : " direct");
    }

    @Override
    public CompletableFuture<AttemptOutcome> call(AttemptSpec spec, StreamText deltas) {
      if (bug != null) {
        throw bug.get();
      }
      String key = key(spec.provider().id(), spec.model(), spec.viaProxy());
      calls.add(key);
      if (spec.apiKey() != null) {
        keys.add(spec.apiKey().reveal());
      }
      Deque<AttemptOutcome> script = scripts.get(key);
      if (script == null || script.isEmpty()) {
        return CompletableFuture.completedFuture(ok());
      }
      AttemptOutcome o = script.size() > 1 ? script.poll() : script.peek();
      return o == NEVER ? new CompletableFuture<>() : CompletableFuture.completedFuture(o);
    }
  }
}
