package dev.aijobs.protocol;

import static dev.aijobs.protocol.Fixtures.CODEC;
import static dev.aijobs.protocol.Fixtures.json;
import static dev.aijobs.protocol.Fixtures.object;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A job built in code is checked like one read from the wire, so the SDK never publishes one the
 * worker rejects.
 */
class JobRequestTest {

  /** The constructor's arguments, valid until a row changes one. */
  static final class Args {
    int v = JobCodec.VERSION;
    String id = "01JDX3";
    String provider = "openrouter";
    String model = "deepseek/deepseek-chat";
    List<Target> fallbacks = List.of(new Target("deepseek", "deepseek-chat"));
    List<JsonNode> messages = List.of(json("{\"role\":\"user\",\"content\":\"Hi\"}"));
    ObjectNode params = object("{\"temperature\":0.7}");
    Long createdMs = 1764349140000L;
    Long deadlineMs = 1764349200000L;

    JobRequest build() {
      return new JobRequest(
          v, id, provider, model, fallbacks, messages, params, false, createdMs, deadlineMs, null);
    }
  }

  private static Arguments row(String name, Consumer<Args> change, String field) {
    return Arguments.of(name, change, field);
  }

  private static List<JsonNode> messages(JsonNode... nodes) {
    return new ArrayList<>(Arrays.asList(nodes));
  }

  /** Columns: case name, the change to a valid job, the field the exception names. */
  static Stream<Arguments> invalidJobs() {
    return Stream.of(
        row("v=0", a -> a.v = 0, "v"),
        row("v=2", a -> a.v = 2, "v"),
        row("id null", a -> a.id = null, "id"),
        row("id empty", a -> a.id = "", "id"),
        row("id blank", a -> a.id = " \t", "id"),
        row("id of 201 bytes", a -> a.id = "x".repeat(200) + "\u00e9", "id"),
        row("id with a newline", a -> a.id = "a\nb", "id"),
        row("provider null", a -> a.provider = null, "provider"),
        row("provider blank", a -> a.provider = " ", "provider"),
        row("model null", a -> a.model = null, "model"),
        row("model empty", a -> a.model = "", "model"),
        row(
            "fallback provider blank",
            a -> a.fallbacks = List.of(new Target("", "m")),
            "fallbacks[0].provider"),
        row(
            "second fallback model blank",
            a -> a.fallbacks = List.of(new Target("p", "m"), new Target("p", " ")),
            "fallbacks[1].model"),
        row(
            "fallback null",
            a -> a.fallbacks = new ArrayList<>(Arrays.asList((Target) null)),
            "fallbacks[0]"),
        row("messages null", a -> a.messages = null, "messages"),
        row("messages empty", a -> a.messages = List.of(), "messages"),
        row("message null", a -> a.messages = messages((JsonNode) null), "messages[0]"),
        row("message a string", a -> a.messages = messages(TextNode.valueOf("Hi")), "messages[0]"),
        row(
            "message without role",
            a -> a.messages = messages(json("{\"content\":\"Hi\"}")),
            "messages[0].role"),
        row(
            "message role null",
            a -> a.messages = messages(json("{\"role\":null}")),
            "messages[0].role"),
        row(
            "second message role a number",
            a -> a.messages = messages(json("{\"role\":\"system\"}"), json("{\"role\":1}")),
            "messages[1].role"),
        row(
            "message role blank",
            a -> a.messages = messages(json("{\"role\":\"  \"}")),
            "messages[0].role"),
        row("params with model", a -> a.params = object("{\"model\":\"x\"}"), "params.model"),
        row("params with messages", a -> a.params = object("{\"messages\":[]}"), "params.messages"),
        row("params with stream", a -> a.params = object("{\"stream\":true}"), "params.stream"),
        row("createdMs negative", a -> a.createdMs = -1L, "created_ms"),
        row("deadlineMs negative", a -> a.deadlineMs = -1L, "deadline_ms"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidJobs")
  void constructorRejectsNamingTheField(String name, Consumer<Args> change, String field) {
    Args args = new Args();
    change.accept(args);

    assertThatThrownBy(args::build)
        .isInstanceOf(InvalidJobException.class)
        .hasMessageStartingWith("field '" + field + "' ")
        .satisfies(e -> assertThat(((InvalidJobException) e).field()).isEqualTo(field));
  }

  @Test
  void aValidJobIsAcceptedAndDecodesToItself() {
    JobRequest job = new Args().build();

    assertThat(CODEC.decodeRequest(CODEC.encodeRequest(job))).isEqualTo(job);
  }

  @Test
  void optionalFieldsMayBeNullOrZero() {
    Args args = new Args();
    args.fallbacks = null;
    args.params = null;
    args.createdMs = 0L;
    args.deadlineMs = null;

    JobRequest job = args.build();

    assertThat(job.fallbacks()).isEmpty();
    assertThat(job.params()).isNull();
  }

  @Test
  void laterChangesToTheCallersNodesDoNotChangeTheJob() {
    Args args = new Args();
    ObjectNode message = object("{\"role\":\"user\",\"content\":\"Hi\"}");
    args.messages = List.of(message);
    JobRequest job = args.build();
    byte[] before = CODEC.encodeRequest(job);

    args.params.put("model", "sneaked-in").put("temperature", 2.0);
    message.put("role", 1).put("content", "changed");

    assertThat(job.params()).isEqualTo(object("{\"temperature\":0.7}"));
    assertThat(job.messages().get(0)).isEqualTo(json("{\"role\":\"user\",\"content\":\"Hi\"}"));
    assertThat(CODEC.encodeRequest(job)).isEqualTo(before);
  }

  @Test
  void constructorMessagesMatchTheWireMessages() {
    Args args = new Args();
    args.messages = messages(json("{\"content\":\"Hi\"}"));

    assertThatThrownBy(args::build).hasMessage("field 'messages[0].role' is required");
  }
}
