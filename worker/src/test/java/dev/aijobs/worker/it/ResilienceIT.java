package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Non-streaming resilience on the real broker: which failures are retried and how often, {@code
 * Retry-After} against the deadline, errors that are never retried, transport faults, silent
 * routes, fallback chains, the job's deadline during a call and the per-job attempt budget.
 */
class ResilienceIT {
  private static final AtomicInteger IDS = new AtomicInteger();
  private static final int MAX_RETRIES = 2;

  @RegisterExtension
  static final WorkerRig RIG =
      WorkerRig.with(
          (env, rig) -> {
            env.put("AIJOBS_PROVIDER_MOCK_FIRST_DATA_TIMEOUT", "800ms");
            env.put("AIJOBS_PROVIDER_MOCK_IDLE_TIMEOUT", "800ms");
            env.put("AIJOBS_PROVIDER_MOCK_TIMEOUT", "10s");
            env.put("AIJOBS_PROVIDER_MOCK_MAX_RETRIES", Integer.toString(MAX_RETRIES));
            env.put("AIJOBS_PROVIDER_MOCK2_BASE_URL", rig.upstream().baseUrl());
            // mock2's clocks are long: the deadline test needs the job's deadline to come first.
            env.put("AIJOBS_PROVIDER_MOCK2_FIRST_DATA_TIMEOUT", "10s");
            env.put("AIJOBS_PROVIDER_MOCK2_MAX_RETRIES", Integer.toString(MAX_RETRIES));
            env.put("AIJOBS_RETRY_BASE_DELAY", "50ms");
            env.put("AIJOBS_RETRY_MAX_DELAY", "200ms");
          });

  @BeforeEach
  void resetUpstream() {
    RIG.upstream().reset();
  }

  private static String newId(String what) {
    return "res-" + what + "-" + IDS.incrementAndGet();
  }

  /** A job to {@code mock} whose model is unique to it (so times=N counts its requests only). */
  private static ObjectNode job(String id, String directives) {
    return BotSide.job(id, "mock", id + directives, "resilience " + id);
  }

  private static ObjectNode addFallback(ObjectNode job, String provider, String model) {
    ArrayNode fallbacks =
        job.has("fallbacks") ? (ArrayNode) job.get("fallbacks") : job.putArray("fallbacks");
    fallbacks.addObject().put("provider", provider).put("model", model);
    return job;
  }

  private static JsonNode publishAndWait(ObjectNode job) throws Exception {
    String id = job.path("id").asText();
    RIG.bot().publish(job);
    await().atMost(Duration.ofSeconds(30)).until(() -> RIG.bot().result(id) != null);
    return RIG.bot().result(id);
  }

  private static void assertError(JsonNode r, String code) {
    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("error");
    assertThat(r.path("completion").isNull()).isTrue();
    assertThat(r.path("error").path("code").asText()).as(r.toString()).isEqualTo(code);
  }

  private static void assertOutcomes(JsonNode r, String... outcomes) {
    JsonNode attempts = r.path("attempts");
    assertThat(attempts).as(r.toString()).hasSize(outcomes.length);
    for (int i = 0; i < outcomes.length; i++) {
      assertThat(attempts.get(i).path("outcome").asText())
          .as("outcome of attempt %d in %s", i, r)
          .isEqualTo(outcomes[i]);
    }
  }

  @Test
  void a500OnceIsRetriedAndAnswered() throws Exception {
    String id = newId("500-once");
    JsonNode r = publishAndWait(job(id, ";mock:status=500;mock:times=1"));

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    assertThat(r.path("completion").path("content").asText()).isEqualTo("echo: resilience " + id);
    assertOutcomes(r, "upstream_error", "ok");
    assertThat(RIG.upstream().requestCount(id + ";mock:status=500;mock:times=1")).isEqualTo(2);
  }

  @Test
  void a503EveryTimeIsGivenUpAfterTheRetries() throws Exception {
    String id = newId("503");
    JsonNode r = publishAndWait(job(id, ";mock:status=503"));

    assertError(r, "upstream_error");
    assertThat(r.path("error").path("http_status").asInt()).isEqualTo(503);
    assertThat(r.path("error").path("retryable").asBoolean()).isTrue();
    String[] outcomes = new String[1 + MAX_RETRIES];
    java.util.Arrays.fill(outcomes, "upstream_error");
    assertOutcomes(r, outcomes);
    assertThat(RIG.upstream().requestCount(id + ";mock:status=503")).isEqualTo(1 + MAX_RETRIES);
  }

  @Test
  void a429WithRetryAfterIsRetriedAfterTheWait() throws Exception {
    String id = newId("429-once");
    JsonNode r = publishAndWait(job(id, ";mock:status=429;mock:retry-after=1;mock:times=1"));

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    assertOutcomes(r, "rate_limited", "ok");
    assertThat(r.path("timing").path("total_ms").asLong())
        .as("Retry-After: 1 was honoured")
        .isGreaterThanOrEqualTo(1000);
  }

  @Test
  void a429WithRetryAfterMsIsHonoured() throws Exception {
    String id = newId("429-ms");
    JsonNode r = publishAndWait(job(id, ";mock:status=429;mock:retry-after-ms=700;mock:times=1"));

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    assertOutcomes(r, "rate_limited", "ok");
    assertThat(r.path("timing").path("total_ms").asLong()).isGreaterThanOrEqualTo(700);
  }

  @Test
  void a429WhoseRetryAfterPassesTheDeadlineEndsTheJobAtOnce() throws Exception {
    String id = newId("429-late");
    ObjectNode job = job(id, ";mock:status=429;mock:retry-after=30");
    long published = System.currentTimeMillis();
    job.put("deadline_ms", published + 3000);
    JsonNode r = publishAndWait(job);
    long answered = System.currentTimeMillis();

    assertError(r, "rate_limited");
    assertThat(r.path("error").path("http_status").asInt()).isEqualTo(429);
    assertOutcomes(r, "rate_limited");
    assertThat(answered - published)
        .as("no waiting for a Retry-After the deadline cannot accommodate")
        .isLessThan(30_000);
    assertThat(r.path("timing").path("total_ms").asLong()).isLessThan(30_000);
  }

  @Test
  void a429WhoseRetryAfterPassesTheDeadlineMovesToTheFallback() throws Exception {
    String id = newId("429-late-fb");
    ObjectNode job = job(id, ";mock:status=429;mock:retry-after=30");
    addFallback(job, "mock2", id + "-fb");
    job.put("deadline_ms", System.currentTimeMillis() + 3000);
    JsonNode r = publishAndWait(job);

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    assertThat(r.path("completion").path("provider").asText()).isEqualTo("mock2");
    assertOutcomes(r, "rate_limited", "ok");
    assertThat(r.path("timing").path("total_ms").asLong()).isLessThan(30_000);
  }

  @Test
  void a503WithRetryAfterIsRetriedAfterTheWait() throws Exception {
    String id = newId("503-once");
    JsonNode r = publishAndWait(job(id, ";mock:status=503;mock:retry-after=1;mock:times=1"));

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    assertOutcomes(r, "upstream_error", "ok");
    assertThat(r.path("timing").path("total_ms").asLong()).isGreaterThanOrEqualTo(1000);
  }

  @Test
  void contextLengthExceededIsNotRetried() throws Exception {
    String id = newId("ctx");
    JsonNode r = publishAndWait(job(id, ";mock:error=context_length_exceeded"));

    assertError(r, "context_length_exceeded");
    assertThat(r.path("error").path("http_status").asInt()).isEqualTo(400);
    assertThat(r.path("error").path("retryable").asBoolean()).isFalse();
    assertOutcomes(r, "context_length_exceeded");
    assertThat(RIG.upstream().requestCount(id + ";mock:error=context_length_exceeded"))
        .isEqualTo(1);
  }

  @Test
  void contentPolicyViolationIsContentFiltered() throws Exception {
    String id = newId("policy");
    JsonNode r = publishAndWait(job(id, ";mock:error=content_policy_violation"));

    assertError(r, "content_filtered");
    assertOutcomes(r, "content_filtered");
  }

  @Test
  void a401IsAuthFailedAndNotRetried() throws Exception {
    String id = newId("401");
    JsonNode r = publishAndWait(job(id, ";mock:status=401"));

    assertError(r, "auth_failed");
    assertThat(r.path("error").path("http_status").asInt()).isEqualTo(401);
    assertOutcomes(r, "auth_failed");
    assertThat(RIG.upstream().requestCount(id + ";mock:status=401")).isEqualTo(1);
  }

  @Test
  void aResetBeforeTheHeadersIsRetried() throws Exception {
    String id = newId("reset");
    JsonNode r = publishAndWait(job(id, ";mock:fault=reset-before-headers;mock:times=1"));

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    assertThat(r.path("attempts")).hasSize(2);
    assertThat(r.path("attempts").get(0).path("outcome").asText()).isNotEqualTo("ok");
    assertThat(r.path("attempts").get(1).path("outcome").asText()).isEqualTo("ok");
  }

  @Test
  void aResetBeforeTheHeadersEveryTimeIsRetriedThenGivenUp() throws Exception {
    String id = newId("reset-always");
    JsonNode r = publishAndWait(job(id, ";mock:fault=reset-before-headers"));

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("error");
    assertThat(r.path("attempts")).hasSize(1 + MAX_RETRIES);
  }

  @Test
  void aCloseBeforeTheHeadersIsRetried() throws Exception {
    String id = newId("close");
    JsonNode r = publishAndWait(job(id, ";mock:fault=close-before-headers;mock:times=1"));

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    assertThat(r.path("attempts")).hasSize(2);
    assertThat(r.path("attempts").get(0).path("outcome").asText()).isEqualTo("upstream_error");
  }

  @Test
  void aHalfBodyIsRetriedAndNeverOk() throws Exception {
    String id = newId("half-body");
    JsonNode r = publishAndWait(job(id, ";mock:fault=stream-cut"));

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("error");
    assertThat(r.path("attempts")).hasSize(1 + MAX_RETRIES);
  }

  @Test
  void aMalformedBodyIsMalformedResponseAndRetried() throws Exception {
    String id = newId("malformed");
    JsonNode r = publishAndWait(job(id, ";mock:fault=malformed-event;mock:times=1"));

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    assertOutcomes(r, "malformed_response", "ok");
  }

  @Test
  void anInBandErrorInA200BodyIsAnError() throws Exception {
    String id = newId("in-band");
    JsonNode r = publishAndWait(job(id, ";mock:fault=in-band-error"));

    assertError(r, "upstream_error");
    assertThat(r.path("error").path("http_status").asInt()).isEqualTo(200);
    assertThat(r.path("attempts")).hasSize(1 + MAX_RETRIES);
  }

  @Test
  void aSilentRouteTimesOutAndIsNotRetried() throws Exception {
    String id = newId("silent");
    JsonNode r = publishAndWait(job(id, ";mock:fault=no-answer"));

    assertError(r, "timeout");
    assertOutcomes(r, "timeout");
    assertThat(RIG.upstream().requestCount(id + ";mock:fault=no-answer")).isEqualTo(1);
  }

  @Test
  void aSilentRouteFallsBackToTheNextTarget() throws Exception {
    String id = newId("silent-fb");
    ObjectNode job = addFallback(job(id, ";mock:fault=no-answer"), "mock2", id + "-fb");
    JsonNode r = publishAndWait(job);

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    assertThat(r.path("completion").path("provider").asText()).isEqualTo("mock2");
    assertThat(r.path("completion").path("model").asText()).isEqualTo(id + "-fb");
    assertOutcomes(r, "timeout", "ok");
    JsonNode attempts = r.path("attempts");
    assertThat(attempts.get(0).path("provider").asText()).isEqualTo("mock");
    assertThat(attempts.get(0).path("model").asText()).isEqualTo(id + ";mock:fault=no-answer");
    assertThat(attempts.get(1).path("provider").asText()).isEqualTo("mock2");
    assertThat(attempts.get(1).path("model").asText()).isEqualTo(id + "-fb");
  }

  @Test
  void aFallbackChainNamesWhoAnsweredAndListsEveryAttempt() throws Exception {
    String id = newId("chain");
    ObjectNode job = job(id, ";mock:status=401");
    addFallback(job, "mock2", id + "-b;mock:status=503");
    addFallback(job, "mock", id + "-c");
    JsonNode r = publishAndWait(job);

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    assertThat(r.path("error").isNull()).isTrue();
    assertThat(r.path("completion").path("provider").asText()).isEqualTo("mock");
    assertThat(r.path("completion").path("model").asText()).isEqualTo(id + "-c");
    assertThat(r.path("route").asText()).isEqualTo("direct");
    JsonNode attempts = r.path("attempts");
    assertThat(attempts).hasSize(1 + (1 + MAX_RETRIES) + 1);
    String[][] expected = new String[attempts.size()][];
    expected[0] = new String[] {"mock", id + ";mock:status=401", "auth_failed"};
    for (int i = 1; i <= 1 + MAX_RETRIES; i++) {
      expected[i] = new String[] {"mock2", id + "-b;mock:status=503", "upstream_error"};
    }
    expected[attempts.size() - 1] = new String[] {"mock", id + "-c", "ok"};
    for (int i = 0; i < attempts.size(); i++) {
      JsonNode a = attempts.get(i);
      assertThat(a.path("provider").asText()).as("provider %d", i).isEqualTo(expected[i][0]);
      assertThat(a.path("model").asText()).as("model %d", i).isEqualTo(expected[i][1]);
      assertThat(a.path("route").asText()).as("route %d", i).isEqualTo("direct");
      assertThat(a.path("outcome").asText()).as("outcome %d", i).isEqualTo(expected[i][2]);
      assertThat(a.path("ms").isIntegralNumber()).as("ms %d", i).isTrue();
      assertThat(a.path("ms").asLong()).isNotNegative();
    }
  }

  @Test
  void theDeadlineCutsASlowCallShort() throws Exception {
    String id = newId("deadline");
    ObjectNode job = BotSide.job(id, "mock2", id + ";mock:latency=5000", "slow");
    job.put("deadline_ms", System.currentTimeMillis() + 1000);
    JsonNode r = publishAndWait(job);

    assertError(r, "deadline_exceeded");
    assertThat(r.path("attempts")).hasSize(1);
    assertThat(r.path("attempts").get(0).path("outcome").asText()).isEqualTo("deadline_exceeded");
    assertThat(r.path("timing").path("total_ms").asLong())
        .as("the worker did not wait for the slow answer")
        .isLessThan(5000);
  }

  @Test
  void theAttemptBudgetEndsALongFallbackChain() throws Exception {
    // This test needs its own budget: swap the class's worker for one with AIJOBS_MAX_ATTEMPTS=2.
    RIG.restartWorker(env -> env.put("AIJOBS_MAX_ATTEMPTS", "2"));
    try {
      String id = newId("budget");
      // Five targets that each fail at once without a retry: five attempts without the budget.
      ObjectNode job = job(id, ";mock:status=401");
      java.util.List<String> models = new java.util.ArrayList<>();
      models.add(id + ";mock:status=401");
      for (int i = 0; i < 4; i++) {
        models.add(id + "-f" + i + ";mock:status=401");
        addFallback(job, i % 2 == 0 ? "mock2" : "mock", models.get(models.size() - 1));
      }
      JsonNode r = publishAndWait(job);

      assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("error");
      assertThat(r.path("attempts").size()).as(r.toString()).isLessThanOrEqualTo(2);
      assertThat(r.path("error").path("code").asText()).isEqualTo("auth_failed");
      assertThat(models.stream().mapToLong(RIG.upstream()::requestCount).sum())
          .isLessThanOrEqualTo(2);
    } finally {
      RIG.restartWorker(env -> {});
    }
  }
}
