package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The job path on the real broker: happy path, deadline, upstream errors, metrics, health. */
class JobPathIT {
  @RegisterExtension static final WorkerRig RIG = WorkerRig.withEnv();

  @BeforeEach
  void resetUpstream() {
    RIG.upstream().reset();
  }

  @Test
  void happyPathAnswersWithTheCompletionAndEchoesMetaAndCorrelationId() throws Exception {
    ObjectNode job = BotSide.job("happy-1", "mock", "mock-model", "Hi there");
    RIG.bot()
        .publishRaw(
            "mock",
            RIG.bot().props("happy-1").correlationId("corr-77").build(),
            BotSide.JSON.writeValueAsBytes(job));

    await().atMost(Duration.ofSeconds(10)).until(() -> RIG.bot().result("happy-1") != null);
    BotSide.Reply reply = RIG.bot().replies("happy-1").get(0);
    JsonNode r = reply.body();
    assertThat(reply.props().getCorrelationId()).isEqualTo("corr-77");
    assertThat(reply.props().getType()).isEqualTo("result");
    assertThat(reply.props().getContentType()).isEqualTo("application/json");
    assertThat(reply.props().getDeliveryMode()).isEqualTo(2);
    assertThat(r.path("v").asInt()).isEqualTo(1);
    assertThat(r.path("status").asText()).isEqualTo("ok");
    assertThat(r.path("completion").path("content").asText()).isEqualTo("echo: Hi there");
    assertThat(r.path("completion").path("finish_reason").asText()).isEqualTo("stop");
    assertThat(r.path("completion").path("provider").asText()).isEqualTo("mock");
    assertThat(r.path("completion").path("model").asText()).isEqualTo("mock-model");
    assertThat(r.path("completion").path("usage").path("total_tokens").asInt()).isPositive();
    assertThat(r.path("error").isNull()).isTrue();
    assertThat(r.path("route").asText()).isEqualTo("direct");
    assertThat(r.path("attempts")).hasSize(1);
    assertThat(r.path("attempts").get(0).path("outcome").asText()).isEqualTo("ok");
    assertThat(r.path("timing").path("total_ms").isIntegralNumber()).isTrue();
    assertThat(r.path("timing").path("queued_ms").isIntegralNumber()).isTrue();
    assertThat(r.path("meta").path("chat_id").asInt()).isEqualTo(42);
    assertThat(RIG.upstream().requestCount()).isEqualTo(1);
  }

  @Test
  void correlationIdDefaultsToTheJobId() throws Exception {
    RIG.bot().publish(BotSide.job("corr-default", "mock", "m", "x"));
    await().atMost(Duration.ofSeconds(10)).until(() -> RIG.bot().result("corr-default") != null);
    assertThat(RIG.bot().replies("corr-default").get(0).props().getCorrelationId())
        .isEqualTo("corr-default");
  }

  @Test
  void expiredDeadlineIsAnsweredWithoutCallingTheProvider() throws Exception {
    ObjectNode job = BotSide.job("expired-1", "mock", "m", "too late");
    job.put("deadline_ms", System.currentTimeMillis() - 1000);
    RIG.bot().publish(job);

    await().atMost(Duration.ofSeconds(10)).until(() -> RIG.bot().result("expired-1") != null);
    JsonNode r = RIG.bot().result("expired-1");
    assertThat(r.path("status").asText()).isEqualTo("error");
    assertThat(r.path("error").path("code").asText()).isEqualTo("deadline_exceeded");
    assertThat(r.path("attempts")).isEmpty();
    assertThat(RIG.upstream().requestCount()).isZero();
  }

  @Test
  void upstream500IsAnUpstreamError() throws Exception {
    RIG.bot().publish(BotSide.job("err-500", "mock", "m;mock:status=500", "boom"));
    await().atMost(Duration.ofSeconds(10)).until(() -> RIG.bot().result("err-500") != null);
    JsonNode r = RIG.bot().result("err-500");
    assertThat(r.path("status").asText()).isEqualTo("error");
    assertThat(r.path("error").path("code").asText()).isEqualTo("upstream_error");
    assertThat(r.path("error").path("http_status").asInt()).isEqualTo(500);
    assertThat(r.path("error").path("retryable").asBoolean()).isTrue();
    assertThat(r.path("completion").isNull()).isTrue();
    assertThat(r.path("meta").path("chat_id").asInt()).isEqualTo(42);
  }

  @Test
  void providerErrorsMapToTheirCodes() throws Exception {
    String[][] cases = {
      {"m;mock:status=401", "auth_failed"},
      {"m;mock:status=402", "insufficient_credits"},
      {"m;mock:status=429", "rate_limited"},
      {"m;mock:error=context_length_exceeded", "context_length_exceeded"},
      {"m;mock:error=content_policy_violation", "content_filtered"},
      {"m;mock:status=404", "bad_request"},
    };
    for (String[] c : cases) {
      // A short deadline: a 429 is waited out (Retry-After, else a backoff) while time is left.
      RIG.bot()
          .publish(
              BotSide.job("code-" + c[1], "mock", c[0], "x")
                  .put("deadline_ms", System.currentTimeMillis() + 3_000));
    }
    for (String[] c : cases) {
      await().atMost(Duration.ofSeconds(10)).until(() -> RIG.bot().result("code-" + c[1]) != null);
      assertThat(RIG.bot().result("code-" + c[1]).path("error").path("code").asText())
          .as(c[0])
          .isEqualTo(c[1]);
    }
  }

  @Test
  void metricsEndpointShowsHistogramsAndHealth() throws Exception {
    RIG.bot().publish(BotSide.job("metrics-1", "mock", "m", "count me"));
    await().atMost(Duration.ofSeconds(10)).until(() -> RIG.bot().result("metrics-1") != null);

    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + RIG.worker().httpPort();
    HttpResponse<String> metrics =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body())
        .contains("aijobs_job_duration_seconds_bucket{")
        .contains("aijobs_attempt_duration_seconds_bucket{")
        .contains("aijobs_job_queue_wait_seconds_bucket{")
        .contains("le=\"0.005\"")
        .contains("le=\"300.0\"")
        .contains("aijobs_jobs_completed_total{")
        .contains("aijobs_jobs_in_flight")
        .contains("provider=\"mock\"");
    assertThat(
            http.send(
                    HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(200);
    assertThat(
            http.send(
                    HttpRequest.newBuilder(URI.create(base + "/health/live")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(200);
  }
}
