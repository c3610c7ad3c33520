package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Recorded answers of each provider family (testkit {@code corpus/}), served by the mock upstream,
 * plain and streamed: each row states the exact result, and both paths must give it. Streamed
 * results must also be what the chunks reassemble to.
 */
class CorpusIT {
  /** A tool call as expected: id, type, function name, arguments. */
  record Call(String id, String type, String name, String arguments) {}

  /** Token usage as expected; null fields must be absent or null in the result. */
  record Tokens(
      Integer prompt,
      Integer completion,
      Integer total,
      Integer cached,
      Integer reasoning,
      String cost) {}

  /** What a row's result must be. */
  record Expect(
      String status,
      String code,
      String content,
      String finishReason,
      String reasoning,
      String refusal,
      List<Call> calls,
      Tokens usage,
      int contentParts) {

    static Expect ok(String content, String finishReason) {
      return new Expect("ok", null, content, finishReason, null, null, List.of(), null, 0);
    }

    static Expect error(String code) {
      return new Expect("error", code, null, null, null, null, List.of(), null, 0);
    }

    Expect reasoning(String r) {
      return new Expect(
          status, code, content, finishReason, r, refusal, calls, usage, contentParts);
    }

    Expect refusal(String r) {
      return new Expect(
          status, code, content, finishReason, reasoning, r, calls, usage, contentParts);
    }

    Expect calls(Call... c) {
      return new Expect(
          status, code, content, finishReason, reasoning, refusal, List.of(c), usage, contentParts);
    }

    Expect usage(
        Integer p, Integer c, Integer t, Integer cached, Integer reasoningTokens, String cost) {
      return new Expect(
          status,
          code,
          content,
          finishReason,
          reasoning,
          refusal,
          calls,
          new Tokens(p, c, t, cached, reasoningTokens, cost),
          contentParts);
    }

    Expect parts(int n) {
      return new Expect(status, code, content, finishReason, reasoning, refusal, calls, usage, n);
    }
  }

  static final Map<String, Expect> TABLE =
      Map.ofEntries(
          Map.entry(
              "openai-text", Expect.ok("Oslo is cold.", "stop").usage(52, 4, 56, 32, 0, null)),
          Map.entry(
              "openai-tool-calls",
              Expect.ok("", "tool_calls")
                  .calls(
                      new Call("call_a1", "function", "get_weather", "{\"city\":\"Oslo\"}"),
                      new Call("call_b2", "function", "get_time", "{}"))
                  .usage(80, 30, 110, null, null, null)),
          Map.entry(
              "openai-refusal", Expect.ok("", "stop").refusal("I can't help with that request.")),
          Map.entry(
              "openai-legacy-function",
              Expect.ok("", "function_call")
                  .calls(new Call("", "function", "get_weather", "{\"city\":\"Oslo\"}"))),
          Map.entry(
              "openrouter-reasoning",
              Expect.ok("9.8 is larger.", "stop")
                  .reasoning("Compare tenths: 8 > 1.")
                  .usage(14, 120, 134, 0, 110, "0.00026")),
          Map.entry("openrouter-midstream-error", Expect.error("upstream_error")),
          Map.entry(
              "deepseek-reasoner",
              Expect.ok("9.8 is larger.", "stop")
                  .reasoning("Compare tenths: 8 > 1.")
                  .usage(18, 120, 138, 12, 110, null)),
          Map.entry(
              "qwen-tool-call",
              Expect.ok("", "tool_calls")
                  .calls(new Call("call_q", "function", "get_weather", "{\"city\":\"Oslo\"}"))
                  .usage(20, 10, 30, 16, null, null)),
          Map.entry(
              "ollama-parallel-index0",
              Expect.ok("", "tool_calls")
                  .calls(
                      new Call("call_1", "function", "write", "{\"path\":\"a.py\"}"),
                      new Call("call_2", "function", "write", "{\"path\":\"b.py\"}"))
                  .usage(40, 20, 60, null, null, null)),
          Map.entry("empty-finish-reason", Expect.ok("The answer is not simple.", "stop")),
          Map.entry("empty-finish-reason-cut", Expect.error("truncated_stream")),
          Map.entry(
              "content-parts",
              Expect.ok("Hello!", "stop")
                  .reasoning("User greets.")
                  .parts(1)
                  .usage(5, 9, 14, null, null, null)),
          Map.entry("no-done", Expect.ok("Cut by the token limit", "length")),
          Map.entry("usage-without-finish", Expect.error("truncated_stream")),
          Map.entry("error-in-200", Expect.error("upstream_error")),
          Map.entry("llamacpp-error-line", Expect.error("upstream_error")),
          Map.entry(
              "vllm-reasoning-aliases",
              Expect.ok("Done.", "stop").reasoning("Think.").usage(7, 4, 11, null, null, null)));

  static Stream<Arguments> rows() {
    List<Arguments> rows = new ArrayList<>();
    for (String name : new java.util.TreeSet<>(TABLE.keySet())) {
      rows.add(Arguments.of(name, false));
      rows.add(Arguments.of(name, true));
    }
    return rows.stream();
  }

  @RegisterExtension
  static final WorkerRig RIG = WorkerRig.withEnv("AIJOBS_PROVIDER_MOCK_MAX_RETRIES", "0");

  @ParameterizedTest(name = "{0} stream={1}")
  @MethodSource("rows")
  void recordedAnswerGivesTheExactResult(String name, boolean stream) throws Exception {
    Expect e = TABLE.get(name);
    String id = "corpus-" + name + (stream ? "-stream" : "-plain");
    ObjectNode job = BotSide.job(id, "mock", "m;mock:corpus=" + name, "hi");
    job.put("stream", stream);
    RIG.bot().publish(job);
    await().atMost(Duration.ofSeconds(20)).until(() -> RIG.bot().result(id) != null);
    JsonNode r = RIG.bot().result(id);

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo(e.status());
    if (e.code() != null) {
      assertThat(r.at("/error/code").asText()).as(r.toString()).isEqualTo(e.code());
      return;
    }
    JsonNode c = r.path("completion");
    assertThat(c.path("content").asText()).isEqualTo(e.content());
    assertThat(c.path("finish_reason").asText()).isEqualTo(e.finishReason());
    assertThat(text(c, "reasoning")).isEqualTo(e.reasoning());
    assertThat(text(c, "refusal")).isEqualTo(e.refusal());
    List<Call> calls = new ArrayList<>();
    for (JsonNode t : c.path("tool_calls")) {
      calls.add(
          new Call(
              t.path("id").asText(),
              t.path("type").asText(),
              t.at("/function/name").asText(),
              t.at("/function/arguments").asText()));
    }
    assertThat(calls).isEqualTo(e.calls());
    assertThat(c.path("content_parts").size()).isEqualTo(e.contentParts());
    JsonNode u = c.path("usage");
    if (e.usage() == null) {
      assertThat(u.isNull() || u.isMissingNode()).as("usage " + u).isTrue();
    } else {
      Tokens t = e.usage();
      assertThat(integer(u, "prompt_tokens")).isEqualTo(t.prompt());
      assertThat(integer(u, "completion_tokens")).isEqualTo(t.completion());
      assertThat(integer(u, "total_tokens")).isEqualTo(t.total());
      assertThat(integer(u, "cached_tokens")).isEqualTo(t.cached());
      assertThat(integer(u, "reasoning_tokens")).isEqualTo(t.reasoning());
      if (t.cost() == null) {
        assertThat(u.has("cost")).isFalse();
      } else {
        assertThat(u.get("cost").decimalValue()).isEqualByComparingTo(new BigDecimal(t.cost()));
      }
    }
    if (e.reasoning() != null && name.startsWith("openrouter")) {
      StringBuilder details = new StringBuilder();
      c.path("reasoning_details").forEach(d -> details.append(d.path("text").asText()));
      assertThat(details.toString()).as("reasoning_details kept").isEqualTo(e.reasoning());
    }
    if (stream) {
      StringBuilder content = new StringBuilder();
      StringBuilder reasoning = new StringBuilder();
      for (BotSide.Reply reply : RIG.bot().replies(id)) {
        JsonNode b = reply.body();
        if ("chunk".equals(b.path("type").asText())) {
          if (b.path("restart").asBoolean(false)) {
            content.setLength(0);
            reasoning.setLength(0);
          }
          content.append(b.path("delta").asText());
          reasoning.append(b.path("reasoning").asText(""));
        }
      }
      assertThat(content.toString()).as("chunks reassemble the content").isEqualTo(e.content());
      assertThat(reasoning.toString())
          .as("chunks reassemble the reasoning")
          .isEqualTo(e.reasoning() == null ? "" : e.reasoning());
    }
  }

  private static String text(JsonNode parent, String field) {
    JsonNode v = parent.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static Integer integer(JsonNode parent, String field) {
    JsonNode v = parent.get(field);
    return v == null || v.isNull() ? null : v.asInt();
  }
}
