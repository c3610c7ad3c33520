package dev.aijobs.protocol;

import static dev.aijobs.protocol.Fixtures.CODEC;
import static dev.aijobs.protocol.Fixtures.SECRET_CONTENT;
import static dev.aijobs.protocol.Fixtures.SECRET_PARAM;
import static dev.aijobs.protocol.Fixtures.json;
import static dev.aijobs.protocol.Fixtures.tree;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class JobCodecTest {

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  // ---------------------------------------------------------------- requests

  @Test
  void fullRequestRoundTrips() {
    JobRequest job = Fixtures.fullRequest();

    JobRequest decoded = CODEC.decodeRequest(CODEC.encodeRequest(job));

    assertThat(decoded).isEqualTo(job);
    assertThat(decoded.targets())
        .containsExactly(
            new Target("openrouter", "deepseek/deepseek-chat"),
            new Target("deepseek", "deepseek-chat"));
  }

  @Test
  void minimalRequestRoundTrips() {
    JobRequest job = Fixtures.minimalRequest();

    JobRequest decoded = CODEC.decodeRequest(CODEC.encodeRequest(job));

    assertThat(decoded).isEqualTo(job);
    assertThat(decoded.fallbacks()).isEmpty();
    assertThat(decoded.params()).isNull();
    assertThat(decoded.deadlineMs()).isNull();
    assertThat(decoded.meta()).isNull();
  }

  @Test
  void requestUsesTheContractFieldNamesInOrder() {
    JsonNode wire = tree(CODEC.encodeRequest(Fixtures.fullRequest()));

    assertThat(fieldNames(wire))
        .containsExactly(
            "v",
            "id",
            "provider",
            "model",
            "fallbacks",
            "messages",
            "params",
            "stream",
            "created_ms",
            "deadline_ms",
            "meta");
    assertThat(wire.get("v").intValue()).isEqualTo(1);
    assertThat(wire.get("fallbacks"))
        .isEqualTo(json("[{\"provider\":\"deepseek\",\"model\":\"deepseek-chat\"}]"));
    assertThat(wire.get("params").get("max_tokens").intValue()).isEqualTo(512);
    assertThat(wire.get("deadline_ms").longValue()).isEqualTo(1764349200000L);
  }

  @Test
  void minimalRequestOmitsOptionalFieldsButAlwaysWritesStream() {
    JsonNode wire = tree(CODEC.encodeRequest(Fixtures.minimalRequest()));

    assertThat(fieldNames(wire))
        .containsExactly("v", "id", "provider", "model", "messages", "stream");
    assertThat(wire.get("stream").isBoolean()).isTrue();
  }

  @Test
  void messagesAndParamsPassThroughVerbatim() {
    String body =
        """
        {"v":1,"id":"j1","provider":"openrouter","model":"m",
         "messages":[{"role":"user","content":[{"type":"text","text":"Hi"}],"name":"bob"}],
         "params":{"tools":[{"type":"function","function":{"name":"f"}}],
                   "response_format":{"type":"json_object"}},
         "stream":true}
        """;

    JobRequest job = CODEC.decodeRequest(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    JsonNode wire = tree(CODEC.encodeRequest(job));

    assertThat(job.stream()).isTrue();
    assertThat(wire.get("messages")).isEqualTo(json(body).get("messages"));
    assertThat(wire.get("params")).isEqualTo(json(body).get("params"));
  }

  @Test
  void requestToStringNeverPrintsMessagesOrParams() {
    JobRequest job = Fixtures.fullRequest();

    assertThat(job.toString())
        .contains("01JDX3FULL")
        .doesNotContain(SECRET_CONTENT)
        .doesNotContain(SECRET_PARAM)
        .doesNotContain("temperature");
  }

  // ---------------------------------------------------------------- results

  @Test
  void okResultIsExactlyTheContractExample() {
    JsonNode wire = tree(CODEC.encodeResult(Fixtures.okResult()));

    assertThat(wire).isEqualTo(json(Fixtures.CONTRACT_OK_RESULT));
    assertThat(fieldNames(wire))
        .containsExactly(
            "v",
            "id",
            "type",
            "status",
            "completion",
            "error",
            "route",
            "attempts",
            "timing",
            "meta");
  }

  @Test
  void okResultWritesErrorAndTimingNullsExplicitly() {
    JsonNode wire = tree(CODEC.encodeResult(Fixtures.okResult()));

    assertThat(wire.has("error")).isTrue();
    assertThat(wire.get("error").isNull()).isTrue();
    assertThat(wire.get("timing").has("ttft_ms")).isTrue();
    assertThat(wire.get("timing").get("ttft_ms").isNull()).isTrue();
  }

  @Test
  void okResultRoundTrips() {
    JobResult result = Fixtures.okResult();

    JobResult decoded = CODEC.decodeResult(CODEC.encodeResult(result));

    assertThat(decoded).isEqualTo(result);
    assertThat(decoded.isOk()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(ErrorCode.class)
  void errorResultRoundTripsForEveryCode(ErrorCode code) {
    JobResult result = Fixtures.errorResult(code);

    byte[] body = CODEC.encodeResult(result);
    JsonNode wire = tree(body);

    assertThat(CODEC.decodeResult(body)).isEqualTo(result);
    assertThat(wire.get("status").asText()).isEqualTo("error");
    assertThat(wire.get("completion").isNull()).isTrue();
    assertThat(wire.get("error"))
        .isEqualTo(
            json(
                "{\"code\":\""
                    + code.wireName()
                    + "\",\"message\":\"failed: "
                    + code.wireName()
                    + "\",\"http_status\":503,\"retryable\":"
                    + code.isRetryable()
                    + "}"));
    assertThat(wire.get("route").asText()).isEqualTo("direct_after_proxy_failure");
  }

  @Test
  void resultWithoutAttemptsWritesNullRouteAndZeroTotal() {
    JobResult result = Fixtures.rejectedResult();

    JsonNode wire = tree(CODEC.encodeResult(result));

    assertThat(wire.get("route").isNull()).isTrue();
    assertThat(wire.get("attempts")).isEqualTo(json("[]"));
    assertThat(wire.get("timing"))
        .isEqualTo(
            json("{\"queued_ms\":null,\"ttft_ms\":null,\"upstream_ms\":null,\"total_ms\":0}"));
    assertThat(wire.has("meta")).isFalse();
    assertThat(wire.get("error").get("http_status").isNull()).isTrue();
    assertThat(wire.get("error").get("retryable").booleanValue()).isFalse();
  }

  @Test
  void usageMayBeNull() {
    JobResult result =
        JobResult.ok(
            "j",
            new Completion("text", "length", "deepseek", "deepseek-chat", null),
            Route.DIRECT,
            List.of(new Attempt("deepseek", "deepseek-chat", Route.DIRECT, "ok", 5)),
            new Timing(null, 2L, 5L, 6L),
            null);

    JsonNode wire = tree(CODEC.encodeResult(result));

    assertThat(wire.get("completion").has("usage")).isTrue();
    assertThat(wire.get("completion").get("usage").isNull()).isTrue();
    assertThat(CODEC.decodeResult(CODEC.encodeResult(result))).isEqualTo(result);
  }

  @Test
  void resultToStringNeverPrintsTheCompletionText() {
    JobResult result =
        JobResult.ok(
            "j",
            new Completion(SECRET_CONTENT, "stop", "openrouter", "m", null),
            Route.PROXY,
            List.of(),
            new Timing(null, null, null, 1),
            null);

    assertThat(result.toString()).contains("status=ok").doesNotContain(SECRET_CONTENT);
    assertThat(result.completion().toString()).doesNotContain(SECRET_CONTENT);
  }

  // ---------------------------------------------------------------- chunks

  @Test
  void chunkWithoutRestartOmitsTheField() {
    JobChunk chunk = new JobChunk("01JDX3...", 0, "Hel", false, json("{\"chat_id\":42}"));

    JsonNode wire = tree(CODEC.encodeChunk(chunk));

    assertThat(wire)
        .isEqualTo(
            json(
                "{\"v\": 1, \"id\": \"01JDX3...\", \"type\": \"chunk\", \"seq\": 0,"
                    + " \"delta\": \"Hel\", \"meta\": {\"chat_id\": 42}}"));
    assertThat(wire.has("restart")).isFalse();
  }

  @Test
  void chunkWithRestartWritesTrue() {
    JobChunk chunk = new JobChunk("j", 7, "Hello", true, null);

    JsonNode wire = tree(CODEC.encodeChunk(chunk));

    assertThat(fieldNames(wire)).containsExactly("v", "id", "type", "seq", "delta", "restart");
    assertThat(wire.get("restart").booleanValue()).isTrue();
    assertThat(wire.get("seq").longValue()).isEqualTo(7);
  }

  @Test
  void chunksRoundTrip() {
    JobChunk plain = new JobChunk("j", 3, "lo", false, json("{\"chat_id\":42}"));
    JobChunk restart = new JobChunk("j", 4, "Hel", true, null);

    assertThat(CODEC.decodeChunk(CODEC.encodeChunk(plain))).isEqualTo(plain);
    assertThat(CODEC.decodeChunk(CODEC.encodeChunk(restart))).isEqualTo(restart);
  }

  @Test
  void chunkToStringNeverPrintsTheText() {
    JobChunk chunk = new JobChunk("j", 0, SECRET_CONTENT, false, null);

    assertThat(chunk.toString()).contains("seq=0").doesNotContain(SECRET_CONTENT);
  }

  @Test
  void replyTreeTellsChunkFromResult() {
    JsonNode chunk =
        CODEC.decodeReplyTree(CODEC.encodeChunk(new JobChunk("j", 0, "x", false, null)));
    JsonNode result = CODEC.decodeReplyTree(CODEC.encodeResult(Fixtures.okResult()));

    assertThat(chunk.get("type").asText()).isEqualTo(Topology.TYPE_CHUNK);
    assertThat(result.get("type").asText()).isEqualTo(Topology.TYPE_RESULT);
  }
}
