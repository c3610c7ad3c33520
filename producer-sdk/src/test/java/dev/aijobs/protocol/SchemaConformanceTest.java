package dev.aijobs.protocol;

import static dev.aijobs.protocol.Fixtures.CODEC;
import static dev.aijobs.protocol.Fixtures.json;
import static dev.aijobs.protocol.Fixtures.object;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JSON Schemas shipped for non-Java producers describe exactly what the codec writes and
 * accepts.
 */
class SchemaConformanceTest {
  static final String SCHEMA_DIR = "dev/aijobs/protocol/schema/";
  static final String REQUEST_SCHEMA = SCHEMA_DIR + "request-v1.schema.json";
  static final String REPLY_SCHEMA = SCHEMA_DIR + "reply-v1.schema.json";

  private static final SchemaRegistry REGISTRY =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
  private static final Schema REQUEST =
      REGISTRY.getSchema(SchemaLocation.of("classpath:" + REQUEST_SCHEMA));
  private static final Schema REPLY =
      REGISTRY.getSchema(SchemaLocation.of("classpath:" + REPLY_SCHEMA));

  private static List<String> errors(Schema schema, String json) {
    return schema.validate(json, InputFormat.JSON).stream().map(Error::toString).toList();
  }

  private static List<String> errors(Schema schema, byte[] body) {
    return errors(schema, new String(body, StandardCharsets.UTF_8));
  }

  private static JsonNode resource(String path) throws IOException {
    try (InputStream in = SchemaConformanceTest.class.getClassLoader().getResourceAsStream(path)) {
      assertThat(in).as(path).isNotNull();
      return Fixtures.MAPPER.readTree(in);
    }
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  // ---------------------------------------------------------------- the schema files

  @Test
  void schemasDeclareDraft202012AndAVersionedId() throws IOException {
    for (String path : List.of(REQUEST_SCHEMA, REPLY_SCHEMA)) {
      JsonNode schema = resource(path);
      assertThat(schema.get("$schema").asText())
          .isEqualTo("https://json-schema.org/draft/2020-12/schema");
      assertThat(schema.get("$id").asText()).endsWith("-v1");
    }
  }

  @Test
  void schemasAreValidAgainstTheDraft202012MetaSchema() throws IOException {
    Schema meta =
        REGISTRY.getSchema(SchemaLocation.of(SpecificationVersion.DRAFT_2020_12.getDialectId()));
    for (String path : List.of(REQUEST_SCHEMA, REPLY_SCHEMA)) {
      assertThat(errors(meta, resource(path).toString())).as(path).isEmpty();
    }
  }

  @Test
  void errorCodeEnumIsExactlyTheErrorCodes() throws IOException {
    JsonNode codes = resource(REPLY_SCHEMA).at("/$defs/errorCode/enum");

    assertThat(texts(codes))
        .containsExactlyElementsOf(
            Arrays.stream(ErrorCode.values()).map(ErrorCode::wireName).toList());
  }

  @Test
  void routeEnumIsExactlyTheRoutes() throws IOException {
    JsonNode routes = resource(REPLY_SCHEMA).at("/$defs/route/enum");

    assertThat(texts(routes))
        .containsExactlyElementsOf(Arrays.stream(Route.values()).map(Route::wireName).toList());
  }

  // ---------------------------------------------------------------- requests

  @Test
  void encodedRequestsConform() {
    assertThat(errors(REQUEST, CODEC.encodeRequest(Fixtures.fullRequest()))).isEmpty();
    assertThat(errors(REQUEST, CODEC.encodeRequest(Fixtures.minimalRequest()))).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.aijobs.protocol.RequestValidationTest#validRequests")
  void schemaAcceptsWhatTheCodecAccepts(String name, String body) {
    assertThat(errors(REQUEST, body)).isEmpty();
  }

  /** Every row the codec rejects, except the one that is not JSON at all. */
  static Stream<Arguments> invalidJsonRequests() {
    return RequestValidationTest.invalidRequests()
        .filter(row -> !"not JSON".equals(row.get()[0]))
        .map(row -> Arguments.of(row.get()[0], row.get()[1], row.get()[2]));
  }

  /** The codec's field path, e.g. {@code messages[0].role}, as a JSON pointer. */
  private static String pointer(String field) {
    return "/" + field.replaceAll("\\[(\\d+)]", "/$1").replace('.', '/');
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidJsonRequests")
  void schemaRejectsWhatTheCodecRejects(String name, String body, String field) {
    String errors = String.join("\n", errors(REQUEST, body));

    if (field == null) {
      assertThat(errors).contains("object expected");
    } else {
      // The schema names the same field: by its location, or as the missing/forbidden name.
      String last = field.substring(field.lastIndexOf('.') + 1);
      assertThat(errors).containsAnyOf(pointer(field) + ":", "'" + last + "'");
    }
  }

  @Test
  void theNotJsonRowReallyIsNotJson() {
    assertThat(RequestValidationTest.invalidRequests().map(row -> row.get()[0]))
        .contains("not JSON");
    assertThatThrownBy(() -> Fixtures.MAPPER.readTree("{\"v\":1,")).isInstanceOf(IOException.class);
  }

  // ---------------------------------------------------------------- replies

  @Test
  void okResultsConform() {
    assertThat(errors(REPLY, CODEC.encodeResult(Fixtures.okResult()))).isEmpty();
    assertThat(errors(REPLY, Fixtures.CONTRACT_OK_RESULT)).isEmpty();
    JobResult noUsage =
        JobResult.ok(
            "j",
            new Completion("text", null, "deepseek", "deepseek-chat", new Usage(null, 3, null)),
            Route.DIRECT,
            List.of(),
            null,
            null);
    assertThat(errors(REPLY, CODEC.encodeResult(noUsage))).isEmpty();
  }

  @Test
  void resultsWithEveryPartOfAnAnswerConformAndReadBack() {
    JobResult full = Fixtures.fullResult();
    byte[] body = CODEC.encodeResult(full);
    assertThat(errors(REPLY, body)).isEmpty();
    JsonNode c = Fixtures.tree(body).path("completion");
    assertThat(c.at("/tool_calls/0/function/arguments").asText()).isEqualTo("{\"city\":\"Oslo\"}");
    assertThat(c.at("/usage/cost").decimalValue()).isEqualByComparingTo("0.00026");
    assertThat(CODEC.decodeResult(body)).isEqualTo(full);
    // A plain text answer has none of the optional fields: v1 output is unchanged for it.
    JsonNode plain = Fixtures.tree(CODEC.encodeResult(Fixtures.okResult())).path("completion");
    assertThat(plain.has("tool_calls") || plain.has("reasoning") || plain.has("refusal")).isFalse();
    assertThat(plain.path("usage").has("cost")).isFalse();
  }

  @Test
  void schemaRejectsAToolCallWithoutItsFunction() {
    ObjectNode node = object(Fixtures.CONTRACT_OK_RESULT);
    ((ObjectNode) node.get("completion"))
        .putArray("tool_calls")
        .addObject()
        .put("id", "x")
        .put("type", "function");
    assertThat(errors(REPLY, node.toString())).isNotEmpty();
  }

  @ParameterizedTest
  @EnumSource(ErrorCode.class)
  void errorResultsOfEveryCodeConform(ErrorCode code) {
    assertThat(errors(REPLY, CODEC.encodeResult(Fixtures.errorResult(code)))).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Route.class)
  void resultsOfEveryRouteConform(Route route) {
    JobResult result =
        JobResult.ok(
            "j",
            new Completion("Hi", "stop", "p", "m", null),
            route,
            List.of(new Attempt("p", "m", route, "ok", 3)),
            new Timing(0L, 1L, 3L, 4L),
            json("[1,2]"));
    assertThat(errors(REPLY, CODEC.encodeResult(result))).isEmpty();
  }

  @Test
  void resultOfARejectedJobConforms() {
    assertThat(errors(REPLY, CODEC.encodeResult(Fixtures.rejectedResult()))).isEmpty();
  }

  @Test
  void chunksConform() {
    assertThat(errors(REPLY, CODEC.encodeChunk(new JobChunk("j", 0, "Hel", false, null))))
        .isEmpty();
    assertThat(
            errors(
                REPLY, CODEC.encodeChunk(new JobChunk("j", 5, "Hello", true, json("{\"a\":1}")))))
        .isEmpty();
    assertThat(errors(REPLY, CODEC.encodeChunk(new JobChunk("j", 1, "", false, null)))).isEmpty();
    byte[] thinking = CODEC.encodeChunk(new JobChunk("j", 2, "", false, null, "Let me think"));
    assertThat(errors(REPLY, thinking)).isEmpty();
    assertThat(CODEC.decodeChunk(thinking).reasoning()).isEqualTo("Let me think");
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

  /** Columns: case name, a reply the schema must reject, a fragment of the expected error. */
  static Stream<Arguments> invalidReplies() {
    return Stream.of(
        Arguments.of("missing type", okResult(n -> n.remove("type")), "required property 'type'"),
        Arguments.of("unknown type", okResult(n -> n.put("type", "final")), "/type:"),
        Arguments.of("v=2", okResult(n -> n.put("v", 2)), "/v:"),
        Arguments.of(
            "status ok with completion null",
            okResult(n -> n.putNull("completion")),
            "/completion: null found, object expected"),
        Arguments.of(
            "status ok with an error",
            okResult(n -> n.set("error", object(errorResult(e -> {})).get("error"))),
            "/error: object found, null expected"),
        Arguments.of(
            "status ok without error field",
            okResult(n -> n.remove("error")),
            "required property 'error'"),
        Arguments.of("unknown status", okResult(n -> n.put("status", "partial")), "/status:"),
        Arguments.of(
            "status error with error null",
            errorResult(n -> n.putNull("error")),
            "/error: null found, object expected"),
        Arguments.of(
            "status error with a completion",
            errorResult(
                n -> n.set("completion", object(Fixtures.CONTRACT_OK_RESULT).get("completion"))),
            "/completion: object found, null expected"),
        Arguments.of(
            "unknown error code",
            errorResult(n -> ((ObjectNode) n.get("error")).put("code", "teapot")),
            "/error/code:"),
        Arguments.of(
            "error without retryable",
            errorResult(n -> ((ObjectNode) n.get("error")).remove("retryable")),
            "required property 'retryable'"),
        Arguments.of("unknown route", okResult(n -> n.put("route", "socks5")), "/route:"),
        Arguments.of(
            "attempt with unknown outcome",
            okResult(n -> ((ObjectNode) n.get("attempts").get(0)).put("outcome", "meh")),
            "/attempts/0/outcome:"),
        Arguments.of(
            "attempt without ms",
            okResult(n -> ((ObjectNode) n.get("attempts").get(0)).remove("ms")),
            "required property 'ms'"),
        Arguments.of(
            "total_ms null",
            okResult(n -> ((ObjectNode) n.get("timing")).putNull("total_ms")),
            "/timing/total_ms:"),
        Arguments.of(
            "timing missing", okResult(n -> n.remove("timing")), "required property 'timing'"),
        Arguments.of(
            "usage tokens not integers",
            okResult(
                n -> ((ObjectNode) n.get("completion").get("usage")).put("total_tokens", "twelve")),
            "/completion/usage/total_tokens:"),
        Arguments.of("chunk without seq", chunk(n -> n.remove("seq")), "required property 'seq'"),
        Arguments.of("chunk with negative seq", chunk(n -> n.put("seq", -1)), "/seq:"),
        Arguments.of(
            "chunk without delta", chunk(n -> n.remove("delta")), "required property 'delta'"),
        Arguments.of(
            "chunk with restart not boolean", chunk(n -> n.put("restart", "yes")), "/restart:"),
        Arguments.of("not an object", "[]", "array found, object expected"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidReplies")
  void schemaRejectsInvalidReplies(String name, String body, String expectedError) {
    assertThat(String.join("\n", errors(REPLY, body))).contains(expectedError);
  }
}
