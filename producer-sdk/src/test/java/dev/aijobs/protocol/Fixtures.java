package dev.aijobs.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** Sample wire messages shared by the protocol tests; the values are the contract's examples. */
final class Fixtures {
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final JobCodec CODEC = new JobCodec(MAPPER);

  /** Text that must never show up in a toString: it stands for user data. */
  static final String SECRET_CONTENT = "my-card-number-4111";

  /** A parameter value that must never show up in a toString. */
  static final String SECRET_PARAM = "secret-system-tool-42";

  private Fixtures() {}

  static JsonNode json(String text) {
    try {
      return MAPPER.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ObjectNode object(String text) {
    return (ObjectNode) json(text);
  }

  static JsonNode tree(byte[] body) {
    try {
      return MAPPER.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The request of the contract's example, every field set. */
  static JobRequest fullRequest() {
    return new JobRequest(
        JobCodec.VERSION,
        "01JDX3FULL",
        "openrouter",
        "deepseek/deepseek-chat",
        List.of(new Target("deepseek", "deepseek-chat")),
        List.of(json("{\"role\":\"user\",\"content\":\"Hi " + SECRET_CONTENT + "\"}")),
        object("{\"temperature\":0.7,\"max_tokens\":512,\"user\":\"" + SECRET_PARAM + "\"}"),
        false,
        1764349140000L,
        1764349200000L,
        json("{\"chat_id\":42}"));
  }

  /** The smallest valid request: only the required fields. */
  static JobRequest minimalRequest() {
    return new JobRequest(
        JobCodec.VERSION,
        "01JDX3MIN",
        "deepseek",
        "deepseek-chat",
        null,
        List.of(json("{\"role\":\"user\",\"content\":\"Hi\"}")),
        null,
        false,
        null,
        null,
        null);
  }

  /** The ok result of the contract's example. */
  static JobResult okResult() {
    return JobResult.ok(
        "01JDX3...",
        new Completion(
            "Hello!", "stop", "openrouter", "deepseek/deepseek-chat", new Usage(9, 3, 12)),
        Route.PROXY,
        List.of(new Attempt("openrouter", "deepseek/deepseek-chat", Route.PROXY, "ok", 812)),
        new Timing(3L, null, 812L, 816L),
        json("{\"chat_id\":42}"));
  }

  /** An ok result with every optional part of a completion. */
  static JobResult fullResult() {
    return JobResult.ok(
        "full-1",
        new Completion(
            "",
            "tool_calls",
            "openrouter",
            "deepseek/deepseek-r1",
            new Usage(14, 120, 134, 8, 110, new java.math.BigDecimal("0.00026")),
            List.of(
                new ToolCall("call_a1", "function", "get_weather", "{\"city\":\"Oslo\"}"),
                new ToolCall("", "function", "get_time", "{")),
            "I can't help with part of that.",
            "Compare tenths: 8 > 1.",
            json("[{\"type\":\"reasoning.text\",\"text\":\"Compare tenths: 8 > 1.\"}]"),
            List.of(
                json(
                    "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x.invalid/a.png\"}}"))),
        Route.DIRECT,
        List.of(new Attempt("openrouter", "deepseek/deepseek-r1", Route.DIRECT, "ok", 900)),
        new Timing(1L, 200L, 900L, 905L),
        null);
  }

  /** The contract's example result, as printed in protocol-v1.md. */
  static final String CONTRACT_OK_RESULT =
      """
      {
        "v": 1, "id": "01JDX3...", "type": "result",
        "status": "ok",
        "completion": {"content": "Hello!", "finish_reason": "stop", "provider": "openrouter",
                       "model": "deepseek/deepseek-chat",
                       "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}},
        "error": null,
        "route": "proxy",
        "attempts": [{"provider": "openrouter", "model": "deepseek/deepseek-chat",
                      "route": "proxy", "outcome": "ok", "ms": 812}],
        "timing": {"queued_ms": 3, "ttft_ms": null, "upstream_ms": 812, "total_ms": 816},
        "meta": {"chat_id": 42}
      }
      """;

  /** A failed result with the given code, after a proxy failure and a direct attempt. */
  static JobResult errorResult(ErrorCode code) {
    return JobResult.error(
        "01JDX3ERR",
        new JobError(code, "failed: " + code.wireName(), 503, code.isRetryable()),
        Route.DIRECT_AFTER_PROXY_FAILURE,
        List.of(
            new Attempt("openrouter", "m", Route.PROXY, ErrorCode.PROXY_UNAVAILABLE.wireName(), 20),
            new Attempt("openrouter", "m", Route.DIRECT_AFTER_PROXY_FAILURE, code.wireName(), 40)),
        new Timing(1L, null, 60L, 61L),
        json("{\"chat_id\":7}"));
  }

  /** A result for a job rejected before any attempt: no route, no timing, no meta. */
  static JobResult rejectedResult() {
    return JobResult.error(
        "01JDX3BAD",
        JobError.of(ErrorCode.INVALID_JOB, "field 'messages' is required"),
        null,
        List.of(),
        null,
        null);
  }
}
