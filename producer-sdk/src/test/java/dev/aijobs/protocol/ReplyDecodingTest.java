package dev.aijobs.protocol;

import static dev.aijobs.protocol.Fixtures.CODEC;
import static dev.aijobs.protocol.Fixtures.object;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A producer decoding a reply gets either the reply the worker meant or one {@link
 * InvalidReplyException} naming the problem: never a silently wrong result, never a bare
 * IllegalArgumentException or NullPointerException.
 */
class ReplyDecodingTest {

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String okResult(Consumer<ObjectNode> change) {
    ObjectNode node = object(Fixtures.CONTRACT_OK_RESULT);
    change.accept(node);
    return node.toString();
  }

  private static String errorResult(Consumer<ObjectNode> change) {
    ObjectNode node =
        (ObjectNode) Fixtures.tree(CODEC.encodeResult(Fixtures.errorResult(ErrorCode.TIMEOUT)));
    change.accept(node);
    return node.toString();
  }

  private static String chunk(Consumer<ObjectNode> change) {
    ObjectNode node = object("{\"v\":1,\"id\":\"j\",\"type\":\"chunk\",\"seq\":0,\"delta\":\"x\"}");
    change.accept(node);
    return node.toString();
  }

  /** The object at a dotted path such as {@code attempts.0}. */
  private static ObjectNode at(ObjectNode root, String path) {
    JsonNode node = root;
    for (String name : path.split("\\.")) {
      node = name.matches("\\d+") ? node.get(Integer.parseInt(name)) : node.get(name);
    }
    return (ObjectNode) node;
  }

  private static Arguments field(String name, String body, String field) {
    return Arguments.of(name, body, field, "reply field '" + field + "'");
  }

  private static Arguments whole(String name, String body, String fragment) {
    return Arguments.of(name, body, null, fragment);
  }

  /** Columns: case name, a result body, the field named (or null), a message fragment. */
  static Stream<Arguments> invalidResults() {
    return Stream.of(
        whole("not JSON", "{\"v\":1,", "reply is not valid JSON"),
        whole("trailing content", Fixtures.CONTRACT_OK_RESULT + "{}", "reply is not valid JSON"),
        whole("an array", "[]", "reply must be a JSON object"),
        field("v missing", okResult(n -> n.remove("v")), "v"),
        field("v=2", okResult(n -> n.put("v", 2)), "v"),
        field("v=\"1\"", okResult(n -> n.put("v", "1")), "v"),
        field("v=2^32+1", okResult(n -> n.put("v", 4294967297L)), "v"),
        field("type missing", okResult(n -> n.remove("type")), "type"),
        field("type chunk", okResult(n -> n.put("type", "chunk")), "type"),
        field("type unknown", okResult(n -> n.put("type", "final")), "type"),
        field("id missing", okResult(n -> n.remove("id")), "id"),
        field("id a number", okResult(n -> n.put("id", 7)), "id"),
        field("status missing", okResult(n -> n.remove("status")), "status"),
        field("status unknown", okResult(n -> n.put("status", "partial")), "status"),
        field("ok with completion null", okResult(n -> n.putNull("completion")), "completion"),
        field("ok without completion", okResult(n -> n.remove("completion")), "completion"),
        field(
            "ok with an error",
            okResult(n -> n.set("error", object(errorResult(e -> {})).get("error"))),
            "error"),
        field("error with error null", errorResult(n -> n.putNull("error")), "error"),
        field(
            "error with a completion",
            errorResult(
                n -> n.set("completion", object(Fixtures.CONTRACT_OK_RESULT).get("completion"))),
            "completion"),
        field(
            "error code unknown",
            errorResult(n -> at(n, "error").put("code", "teapot")),
            "error.code"),
        field("error code missing", errorResult(n -> at(n, "error").remove("code")), "error.code"),
        field(
            "error message missing",
            errorResult(n -> at(n, "error").remove("message")),
            "error.message"),
        field(
            "error retryable missing",
            errorResult(n -> at(n, "error").remove("retryable")),
            "error.retryable"),
        field(
            "error retryable a string",
            errorResult(n -> at(n, "error").put("retryable", "true")),
            "error.retryable"),
        field(
            "error http_status a string",
            errorResult(n -> at(n, "error").put("http_status", "503")),
            "error.http_status"),
        field(
            "error http_status over int",
            errorResult(n -> at(n, "error").put("http_status", 4294967297L)),
            "error.http_status"),
        field("route unknown", okResult(n -> n.put("route", "socks5")), "route"),
        field("route upper case", okResult(n -> n.put("route", "PROXY")), "route"),
        field("route a number", okResult(n -> n.put("route", 1)), "route"),
        field("attempts missing", okResult(n -> n.remove("attempts")), "attempts"),
        field("attempts an object", okResult(n -> n.putObject("attempts")), "attempts"),
        field(
            "attempt not an object",
            okResult(n -> n.putArray("attempts").add("proxy")),
            "attempts[0]"),
        field(
            "attempt route null",
            okResult(n -> at(n, "attempts.0").putNull("route")),
            "attempts[0].route"),
        field(
            "attempt route unknown",
            okResult(n -> at(n, "attempts.0").put("route", "tor")),
            "attempts[0].route"),
        field(
            "attempt outcome unknown",
            okResult(n -> at(n, "attempts.0").put("outcome", "meh")),
            "attempts[0].outcome"),
        field(
            "attempt provider missing",
            okResult(n -> at(n, "attempts.0").remove("provider")),
            "attempts[0].provider"),
        field(
            "attempt ms missing",
            okResult(n -> at(n, "attempts.0").remove("ms")),
            "attempts[0].ms"),
        field(
            "attempt ms negative",
            okResult(n -> at(n, "attempts.0").put("ms", -1)),
            "attempts[0].ms"),
        field("timing missing", okResult(n -> n.remove("timing")), "timing"),
        field(
            "total_ms null", okResult(n -> at(n, "timing").putNull("total_ms")), "timing.total_ms"),
        field(
            "ttft_ms a fraction",
            okResult(n -> at(n, "timing").put("ttft_ms", 1.5)),
            "timing.ttft_ms"),
        field(
            "completion content missing",
            okResult(n -> at(n, "completion").remove("content")),
            "completion.content"),
        field(
            "completion content null",
            okResult(n -> at(n, "completion").putNull("content")),
            "completion.content"),
        field(
            "completion provider a number",
            okResult(n -> at(n, "completion").put("provider", 1)),
            "completion.provider"),
        field(
            "completion model missing",
            okResult(n -> at(n, "completion").remove("model")),
            "completion.model"),
        field(
            "completion finish_reason an object",
            okResult(n -> at(n, "completion").putObject("finish_reason")),
            "completion.finish_reason"),
        field(
            "usage a string",
            okResult(n -> at(n, "completion").put("usage", "12")),
            "completion.usage"),
        field(
            "usage tokens not integers",
            okResult(n -> at(n, "completion.usage").put("total_tokens", "twelve")),
            "completion.usage.total_tokens"),
        field(
            "usage tokens over int",
            okResult(n -> at(n, "completion.usage").put("total_tokens", 4294967297L)),
            "completion.usage.total_tokens"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidResults")
  void decodeResultRejectsNamingTheProblem(
      String name, String body, String field, String fragment) {
    assertThatThrownBy(() -> CODEC.decodeResult(utf8(body)))
        .isInstanceOf(InvalidReplyException.class)
        .hasMessageContaining(fragment)
        .satisfies(e -> assertThat(((InvalidReplyException) e).field()).isEqualTo(field));
  }

  /** Columns: case name, a chunk body, the field named (or null), a message fragment. */
  static Stream<Arguments> invalidChunks() {
    return Stream.of(
        whole("not JSON", "{\"v\":1,\"type\":\"chunk\"", "reply is not valid JSON"),
        field("v=2", chunk(n -> n.put("v", 2)), "v"),
        field("type result", chunk(n -> n.put("type", "result")), "type"),
        field("type missing", chunk(n -> n.remove("type")), "type"),
        field("id missing", chunk(n -> n.remove("id")), "id"),
        field("id null", chunk(n -> n.putNull("id")), "id"),
        field("delta missing", chunk(n -> n.remove("delta")), "delta"),
        field("delta a number", chunk(n -> n.put("delta", 3)), "delta"),
        field("seq missing", chunk(n -> n.remove("seq")), "seq"),
        field("seq negative", chunk(n -> n.put("seq", -1)), "seq"),
        field("seq a fraction", chunk(n -> n.put("seq", 1.5)), "seq"),
        field("restart a string", chunk(n -> n.put("restart", "yes")), "restart"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidChunks")
  void decodeChunkRejectsNamingTheProblem(String name, String body, String field, String fragment) {
    assertThatThrownBy(() -> CODEC.decodeChunk(utf8(body)))
        .isInstanceOf(InvalidReplyException.class)
        .hasMessageContaining(fragment)
        .satisfies(e -> assertThat(((InvalidReplyException) e).field()).isEqualTo(field));
  }

  @Test
  void namesTheUnknownValue() {
    assertThatThrownBy(
            () -> CODEC.decodeResult(utf8(errorResult(n -> at(n, "error").put("code", "teapot")))))
        .hasMessageContaining("'teapot'");
    assertThatThrownBy(() -> CODEC.decodeResult(utf8(okResult(n -> n.put("route", "socks5")))))
        .hasMessageContaining("'socks5'");
  }

  @Test
  void decodeReplyTreeRejectsWhatIsNotAV1Reply() {
    assertThatThrownBy(() -> CODEC.decodeReplyTree(utf8("not json")))
        .isInstanceOf(InvalidReplyException.class);
    assertThatThrownBy(() -> CODEC.decodeReplyTree(utf8(chunk(n -> n.put("v", 2)))))
        .isInstanceOf(InvalidReplyException.class);
    assertThatThrownBy(() -> CODEC.decodeReplyTree(utf8(chunk(n -> n.put("type", "final")))))
        .isInstanceOf(InvalidReplyException.class);
  }

  @Test
  void theContractExampleDecodes() {
    JobResult result = CODEC.decodeResult(utf8(Fixtures.CONTRACT_OK_RESULT));

    assertThat(result).isEqualTo(Fixtures.okResult());
  }

  @Test
  void unknownFieldsAreIgnoredAndNullableFieldsMayBeAbsent() {
    String body =
        okResult(
            n -> {
              n.put("priority", "high");
              n.remove("error");
              n.remove("meta");
              at(n, "completion").remove("finish_reason");
              at(n, "completion").remove("usage");
              at(n, "timing").remove("ttft_ms");
            });

    JobResult result = CODEC.decodeResult(utf8(body));

    assertThat(result.isOk()).isTrue();
    assertThat(result.completion().finishReason()).isNull();
    assertThat(result.completion().usage()).isNull();
    assertThat(result.meta()).isNull();
  }

  @Test
  void aChunkWithRestartNullIsNoRestart() {
    JobChunk chunk = CODEC.decodeChunk(utf8(chunk(n -> n.putNull("restart"))));

    assertThat(chunk.restart()).isFalse();
    assertThat(chunk.delta()).isEqualTo("x");
  }
}
