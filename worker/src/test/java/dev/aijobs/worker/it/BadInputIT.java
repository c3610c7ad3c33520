package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.GetResponse;
import dev.aijobs.protocol.Topology;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad input ends in {@code ai.jobs.dead} with its reason in a header and, where there
 * is a {@code reply_to}, an error result; the worker keeps serving good jobs.
 */
class BadInputIT {
  private static final Map<String, GetResponse> dead = new ConcurrentHashMap<>();

  @RegisterExtension static final WorkerRig RIG = WorkerRig.withEnv();

  @AfterAll
  static void stop() throws Exception {
    BotSide.resetQueues();
  }

  static Stream<Arguments> badJobs() {
    String big = "x".repeat(1024 * 1024 + 10);
    return Stream.of(
        Arguments.of("malformed-json", "{\"v\":1,\"id\":", "invalid_job", "not valid JSON"),
        Arguments.of("json-array", "[1,2,3]", "invalid_job", "JSON object"),
        Arguments.of("wrong-v", withField("wrong-v", "v", 2), "invalid_job", "field 'v'"),
        Arguments.of(
            "missing-model",
            without("missing-model", "model"),
            "invalid_job",
            "field 'model' is required"),
        Arguments.of(
            "messages-empty", emptyMessages("messages-empty"), "invalid_job", "field 'messages'"),
        Arguments.of(
            "bad-stream",
            withField("bad-stream", "stream", "yes"),
            "invalid_job",
            "field 'stream'"),
        Arguments.of(
            "unknown-provider",
            BotSide.job("unknown-provider", "nosuch", "m", "x").toString(),
            "unknown_provider",
            "provider 'nosuch' is not configured"),
        Arguments.of(
            "unknown-fallback",
            unknownFallback("unknown-fallback"),
            "unknown_provider",
            "provider 'ghost' is not configured"),
        Arguments.of(
            "oversize",
            BotSide.job("oversize", "mock", "m", big).toString(),
            "invalid_job",
            "larger than the limit of 1048576 bytes"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badJobs")
  void badJobIsDeadLetteredWithReasonAndAnsweredWithAnError(
      String id, String body, String code, String reasonPart) throws Exception {
    RIG.bot().publishRaw("mock", RIG.bot().props(id).build(), body);

    await().atMost(Duration.ofSeconds(10)).until(() -> RIG.bot().result(id) != null);
    JsonNode r = RIG.bot().result(id);
    assertThat(r.path("status").asText()).isEqualTo("error");
    assertThat(r.path("error").path("code").asText()).isEqualTo(code);
    assertThat(r.path("error").path("message").asText()).contains(reasonPart);
    assertThat(r.path("error").path("retryable").asBoolean()).isFalse();

    GetResponse d = awaitDeadLetter(id);
    assertThat(d.getProps().getHeaders().get(Topology.HEADER_ERROR_CODE).toString())
        .isEqualTo(code);
    assertThat(d.getProps().getHeaders().get(Topology.HEADER_REASON).toString())
        .contains(reasonPart);
    assertThat(d.getBody()).hasSize(body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    assertThat(d.getProps().getMessageId()).isEqualTo(id);
  }

  @Test
  void jobWithoutReplyToIsDeadLetteredAndNothingElseBreaks() throws Exception {
    AMQP.BasicProperties noReplyTo =
        new AMQP.BasicProperties.Builder()
            .messageId("no-reply-to")
            .contentType("application/json")
            .build();
    RIG.bot()
        .publishRaw("mock", noReplyTo, BotSide.job("no-reply-to", "mock", "m", "x").toString());

    GetResponse d = awaitDeadLetter("no-reply-to");
    assertThat(d.getProps().getHeaders().get(Topology.HEADER_REASON).toString())
        .contains("reply_to");
    assertThat(d.getProps().getHeaders().get(Topology.HEADER_ERROR_CODE).toString())
        .isEqualTo("invalid_job");

    RIG.bot().publish(BotSide.job("after-bad", "mock", "m", "still alive?"));
    await().atMost(Duration.ofSeconds(10)).until(() -> RIG.bot().result("after-bad") != null);
    assertThat(RIG.bot().result("after-bad").path("status").asText()).isEqualTo("ok");
  }

  @Test
  void badJobsAreNeverRequeued() throws Exception {
    RIG.bot().publishRaw("mock", RIG.bot().props("loop-check").build(), "not json at all");
    awaitDeadLetter("loop-check");
    await().atMost(Duration.ofSeconds(5)).until(() -> RIG.worker().inFlight() == 0);
    assertThat(BotSide.depth(Topology.JOBS_QUEUE)).isZero();
    assertThat(RIG.bot().replies("loop-check")).hasSize(1);
  }

  private static GetResponse awaitDeadLetter(String id) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              for (GetResponse g : BotSide.drainDeadLetters()) {
                dead.put(String.valueOf(g.getProps().getMessageId()), g);
              }
              return dead.containsKey(id);
            });
    return dead.get(id);
  }

  private static String withField(String id, String field, Object value) {
    ObjectNode job = BotSide.job(id, "mock", "m", "x");
    job.putPOJO(field, value);
    return job.toString();
  }

  private static String without(String id, String field) {
    ObjectNode job = BotSide.job(id, "mock", "m", "x");
    job.remove(field);
    return job.toString();
  }

  private static String emptyMessages(String id) {
    ObjectNode job = BotSide.job(id, "mock", "m", "x");
    job.putArray("messages");
    return job.toString();
  }

  private static String unknownFallback(String id) {
    ObjectNode job = BotSide.job(id, "mock", "m", "x");
    job.putArray("fallbacks").addObject().put("provider", "ghost").put("model", "g");
    return job.toString();
  }
}
