package dev.aijobs.protocol;

import static dev.aijobs.protocol.Fixtures.CODEC;
import static dev.aijobs.protocol.Fixtures.object;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One row per way a request can be invalid: the exception names the field at fault. */
class RequestValidationTest {

  /** A valid request every row starts from. */
  static final String VALID =
      """
      {"v":1,"id":"01JDX3","provider":"openrouter","model":"deepseek/deepseek-chat",
       "fallbacks":[{"provider":"deepseek","model":"deepseek-chat"}],
       "messages":[{"role":"user","content":"Hi"}],
       "params":{"temperature":0.7},"stream":false,
       "created_ms":1764349140000,"deadline_ms":1764349200000,"meta":{"chat_id":42}}
      """;

  private static String valid(Consumer<ObjectNode> change) {
    ObjectNode node = object(VALID);
    change.accept(node);
    return node.toString();
  }

  private static Arguments row(String name, String body, String field) {
    return Arguments.of(name, body, field, "field '" + field + "'");
  }

  private static Arguments wholeBody(String name, String body, String messageFragment) {
    return Arguments.of(name, body, null, messageFragment);
  }

  /** Columns: case name, body, the field the exception names (or null), a message fragment. */
  static Stream<Arguments> invalidRequests() {
    return Stream.of(
        wholeBody("not JSON", "{\"v\":1,", "not valid JSON"),
        wholeBody("JSON array", "[" + VALID + "]", "must be a JSON object"),
        wholeBody("JSON string", "\"job\"", "must be a JSON object"),
        row("missing v", valid(n -> n.remove("v")), "v"),
        row("v null", valid(n -> n.putNull("v")), "v"),
        row("v=2", valid(n -> n.put("v", 2)), "v"),
        row("v=\"1\"", valid(n -> n.put("v", "1")), "v"),
        row("v=1.5", valid(n -> n.put("v", 1.5)), "v"),
        row("v=2^32+1 (truncates to 1 as an int)", valid(n -> n.put("v", 4294967297L)), "v"),
        row("v=2^64+1", valid(n -> n.put("v", new BigInteger("18446744073709551617"))), "v"),
        row("missing id", valid(n -> n.remove("id")), "id"),
        row("empty id", valid(n -> n.put("id", "")), "id"),
        row("blank id", valid(n -> n.put("id", "   ")), "id"),
        row("id not a string", valid(n -> n.put("id", 17)), "id"),
        row("id too long", valid(n -> n.put("id", "x".repeat(201))), "id"),
        row("id with a NUL", valid(n -> n.put("id", "job\u00001")), "id"),
        row("id with a newline", valid(n -> n.put("id", "job\n1")), "id"),
        row("id with a tab", valid(n -> n.put("id", "job\t1")), "id"),
        row("id with DEL", valid(n -> n.put("id", "job\u007f")), "id"),
        row("id with a C1 control", valid(n -> n.put("id", "job\u0085")), "id"),
        row("missing provider", valid(n -> n.remove("provider")), "provider"),
        row("provider empty", valid(n -> n.put("provider", "")), "provider"),
        row("missing model", valid(n -> n.remove("model")), "model"),
        row("model not a string", valid(n -> n.put("model", 42)), "model"),
        row("messages missing", valid(n -> n.remove("messages")), "messages"),
        row("messages empty", valid(n -> n.putArray("messages")), "messages"),
        row("messages not an array", valid(n -> n.put("messages", "Hi")), "messages"),
        row("message not an object", valid(n -> n.putArray("messages").add("Hi")), "messages[0]"),
        row(
            "message without role",
            valid(n -> n.putArray("messages").addObject().put("content", "Hi")),
            "messages[0].role"),
        row(
            "second message role not a string",
            valid(
                n -> {
                  var messages = n.putArray("messages");
                  messages.addObject().put("role", "system").put("content", "Be brief");
                  messages.addObject().put("role", 1).put("content", "Hi");
                }),
            "messages[1].role"),
        row("fallbacks not an array", valid(n -> n.put("fallbacks", "deepseek")), "fallbacks"),
        row(
            "fallback not an object",
            valid(n -> n.putArray("fallbacks").add("deepseek")),
            "fallbacks[0]"),
        row(
            "fallback missing model",
            valid(n -> n.putArray("fallbacks").addObject().put("provider", "deepseek")),
            "fallbacks[0].model"),
        row(
            "fallback provider empty",
            valid(n -> n.putArray("fallbacks").addObject().put("provider", "").put("model", "m")),
            "fallbacks[0].provider"),
        row(
            "eleven fallbacks",
            valid(
                n -> {
                  var fallbacks = n.putArray("fallbacks");
                  for (int i = 0; i < 11; i++) {
                    fallbacks.addObject().put("provider", "deepseek").put("model", "m" + i);
                  }
                }),
            "fallbacks"),
        row("params not an object", valid(n -> n.putArray("params")), "params"),
        row(
            "params contains stream",
            valid(n -> n.putObject("params").put("stream", true)),
            "params.stream"),
        row(
            "params contains model",
            valid(n -> n.putObject("params").put("model", "gpt-4o")),
            "params.model"),
        row(
            "params contains messages",
            valid(n -> n.putObject("params").putArray("messages")),
            "params.messages"),
        row(
            "params asks for 2 completions",
            valid(n -> n.putObject("params").put("n", 2)),
            "params.n"),
        row("params n not a number", valid(n -> n.putObject("params").put("n", "1")), "params.n"),
        row("stream not a boolean", valid(n -> n.put("stream", "true")), "stream"),
        row("deadline_ms negative", valid(n -> n.put("deadline_ms", -1)), "deadline_ms"),
        row("deadline_ms not an integer", valid(n -> n.put("deadline_ms", 1.5)), "deadline_ms"),
        row("deadline_ms a string", valid(n -> n.put("deadline_ms", "soon")), "deadline_ms"),
        row("created_ms negative", valid(n -> n.put("created_ms", -5)), "created_ms"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidRequests")
  void rejectsNamingTheField(String name, String body, String field, String messageFragment) {
    assertThatThrownBy(() -> CODEC.decodeRequest(body.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(InvalidJobException.class)
        .hasMessageContaining(messageFragment)
        .satisfies(e -> assertThat(((InvalidJobException) e).field()).isEqualTo(field));
  }

  /**
   * Bodies a lenient parser would accept, and which the JSON Schema cannot reject because it only
   * sees the parsed value. Columns: case name, body, a message fragment.
   */
  static Stream<Arguments> notOneStrictJsonObject() {
    String rest = VALID.strip().substring(1);
    return Stream.of(
        Arguments.of("trailing garbage", VALID + "garbage", "not valid JSON"),
        Arguments.of(
            "trailing second object", VALID + "{}", "unexpected content after the JSON object"),
        Arguments.of("trailing bracket", VALID.strip() + "]", "not valid JSON"),
        Arguments.of("duplicate v, the last one valid", "{\"v\":2," + rest, "duplicate field 'v'"),
        Arguments.of("duplicate id", "{\"id\":\"other\"," + rest, "duplicate field 'id'"),
        Arguments.of(
            "duplicate key inside params",
            valid(n -> {}).replace("\"temperature\":0.7", "\"temperature\":0.7,\"temperature\":2"),
            "duplicate field 'temperature'"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("notOneStrictJsonObject")
  void rejectsTrailingTokensAndDuplicateKeys(String name, String body, String messageFragment) {
    assertThatThrownBy(() -> CODEC.decodeRequest(body.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(InvalidJobException.class)
        .hasMessageStartingWith("body is not valid JSON: ")
        .hasMessageContaining(messageFragment)
        .satisfies(e -> assertThat(((InvalidJobException) e).field()).isNull());
  }

  /**
   * The id becomes the AMQP message_id, a short string of at most 255 bytes, so the limit is in
   * UTF-8 bytes; the JSON Schema's maxLength counts characters and cannot say this. Columns: case
   * name, the id.
   */
  static Stream<Arguments> idsOverTheByteLimit() {
    return Stream.of(
        Arguments.of("201 ASCII characters", "x".repeat(201)),
        Arguments.of("101 two-byte characters (202 bytes)", "\u00e9".repeat(101)),
        Arguments.of("67 three-byte characters (201 bytes)", "\u20ac".repeat(67)),
        Arguments.of("51 four-byte characters (204 bytes)", "\ud83d\ude00".repeat(51)),
        Arguments.of("199 ASCII and one two-byte character", "x".repeat(199) + "\u00e9"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("idsOverTheByteLimit")
  void rejectsAnIdOverTwoHundredUtf8Bytes(String name, String id) {
    String body = valid(n -> n.put("id", id));

    assertThatThrownBy(() -> CODEC.decodeRequest(body.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(InvalidJobException.class)
        .hasMessageContaining("field 'id'")
        .hasMessageContaining("200 bytes")
        .satisfies(e -> assertThat(((InvalidJobException) e).field()).isEqualTo("id"));
  }

  @Test
  void namesTheControlCharacterProblem() {
    String body = valid(n -> n.put("id", "job\r\n1"));

    assertThatThrownBy(() -> CODEC.decodeRequest(body.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(InvalidJobException.class)
        .hasMessageContaining("field 'id' must not contain control characters");
  }

  @Test
  void trailingWhitespaceIsNotGarbage() {
    JobRequest job = CODEC.decodeRequest((VALID + " \n\t\r\n").getBytes(StandardCharsets.UTF_8));

    assertThat(job.id()).isEqualTo("01JDX3");
  }

  /** Columns: case name, a valid body. */
  static Stream<Arguments> validRequests() {
    return Stream.of(
        Arguments.of(
            "minimal",
            "{\"v\":1,\"id\":\"j\",\"provider\":\"openrouter\",\"model\":\"m\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"),
        Arguments.of("full", VALID),
        Arguments.of("id of exactly 200 characters", valid(n -> n.put("id", "x".repeat(200)))),
        Arguments.of(
            "id of 100 two-byte characters (200 bytes)",
            valid(n -> n.put("id", "\u00e9".repeat(100)))),
        Arguments.of(
            "id of 50 four-byte characters (200 bytes)",
            valid(n -> n.put("id", "\ud83d\ude00".repeat(50)))),
        Arguments.of(
            "optional fields null",
            valid(
                n -> {
                  n.putNull("fallbacks");
                  n.putNull("params");
                  n.putNull("stream");
                  n.putNull("created_ms");
                  n.putNull("deadline_ms");
                  n.putNull("meta");
                })),
        Arguments.of("empty fallbacks", valid(n -> n.putArray("fallbacks"))),
        Arguments.of("deadline_ms zero", valid(n -> n.put("deadline_ms", 0))),
        Arguments.of("meta a string", valid(n -> n.put("meta", "opaque"))),
        Arguments.of("unknown top-level field", valid(n -> n.put("priority", "high"))),
        Arguments.of(
            "message with extra fields and no content",
            valid(
                n ->
                    n.putArray("messages")
                        .addObject()
                        .put("role", "assistant")
                        .putNull("content")
                        .putArray("tool_calls"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("validRequests")
  void acceptsValidRequests(String name, String body) {
    JobRequest job = CODEC.decodeRequest(body.getBytes(StandardCharsets.UTF_8));

    assertThat(job.v()).isEqualTo(JobCodec.VERSION);
    assertThat(job.messages()).isNotEmpty();
  }

  @Test
  void decodesEveryFieldOfAFullRequest() {
    JobRequest job = CODEC.decodeRequest(VALID.getBytes(StandardCharsets.UTF_8));

    assertThat(job.id()).isEqualTo("01JDX3");
    assertThat(job.provider()).isEqualTo("openrouter");
    assertThat(job.model()).isEqualTo("deepseek/deepseek-chat");
    assertThat(job.fallbacks()).containsExactly(new Target("deepseek", "deepseek-chat"));
    assertThat(job.messages()).hasSize(1);
    assertThat(job.messages().get(0).get("content").asText()).isEqualTo("Hi");
    assertThat(job.params().get("temperature").doubleValue()).isEqualTo(0.7);
    assertThat(job.stream()).isFalse();
    assertThat(job.createdMs()).isEqualTo(1764349140000L);
    assertThat(job.deadlineMs()).isEqualTo(1764349200000L);
    assertThat(job.meta().get("chat_id").intValue()).isEqualTo(42);
  }

  @Test
  void absentOptionalFieldsGetTheirDefaults() {
    JobRequest job =
        CODEC.decodeRequest(
            ("{\"v\":1,\"id\":\"j\",\"provider\":\"p\",\"model\":\"m\","
                    + "\"messages\":[{\"role\":\"user\"}]}")
                .getBytes(StandardCharsets.UTF_8));

    assertThat(job.fallbacks()).isEmpty();
    assertThat(job.params()).isNull();
    assertThat(job.stream()).isFalse();
    assertThat(job.createdMs()).isNull();
    assertThat(job.deadlineMs()).isNull();
    assertThat(job.meta()).isNull();
  }
}
