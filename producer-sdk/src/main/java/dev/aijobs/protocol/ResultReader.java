package dev.aijobs.protocol;

import static dev.aijobs.protocol.ReplyReader.nullToAbsent;
import static dev.aijobs.protocol.ReplyReader.optionalInt;
import static dev.aijobs.protocol.ReplyReader.optionalLong;
import static dev.aijobs.protocol.ReplyReader.optionalObject;
import static dev.aijobs.protocol.ReplyReader.optionalText;
import static dev.aijobs.protocol.ReplyReader.quoted;
import static dev.aijobs.protocol.ReplyReader.requiredBoolean;
import static dev.aijobs.protocol.ReplyReader.requiredLong;
import static dev.aijobs.protocol.ReplyReader.requiredObject;
import static dev.aijobs.protocol.ReplyReader.requiredText;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a result tree back into a {@link JobResult} (producer side), checking it against the
 * contract so that a bad reply is an {@link InvalidReplyException}, never a wrong result.
 */
final class ResultReader {
  private ResultReader() {}

  /** Reads an envelope-checked reply tree (see {@link ReplyReader#checkEnvelope}). */
  static JobResult read(JsonNode n) {
    ReplyReader.checkType(n, Topology.TYPE_RESULT);
    String id = requiredText(n, "id", "id");
    String status = requiredText(n, "status", "status");
    if (!status.equals("ok") && !status.equals("error")) {
      throw InvalidReplyException.badField("status", "is '" + status + "': expected ok or error");
    }
    boolean ok = status.equals("ok");
    JsonNode completion = optionalObject(n, "completion", "completion");
    JsonNode error = optionalObject(n, "error", "error");
    if (ok ? completion == null : error == null) {
      String missing = ok ? "completion" : "error";
      throw InvalidReplyException.badField(missing, "is required when status is " + status);
    }
    if (ok ? error != null : completion != null) {
      String extra = ok ? "error" : "completion";
      throw InvalidReplyException.badField(extra, "must be null when status is " + status);
    }
    Route route = parseRoute(n.get("route"), "route", false);
    List<Attempt> attempts = readAttempts(n.get("attempts"));
    Timing timing = readTiming(requiredObject(n, "timing", "timing"));
    JsonNode meta = nullToAbsent(n.get("meta"));
    return ok
        ? JobResult.ok(id, readCompletion(completion), route, attempts, timing, meta)
        : JobResult.error(id, readError(error), route, attempts, timing, meta);
  }

  private static Completion readCompletion(JsonNode c) {
    JsonNode u = optionalObject(c, "usage", "completion.usage");
    Usage usage =
        u == null
            ? null
            : new Usage(
                optionalInt(u, "prompt_tokens", "completion.usage.prompt_tokens", 0),
                optionalInt(u, "completion_tokens", "completion.usage.completion_tokens", 0),
                optionalInt(u, "total_tokens", "completion.usage.total_tokens", 0),
                optionalInt(u, "cached_tokens", "completion.usage.cached_tokens", 0),
                optionalInt(u, "reasoning_tokens", "completion.usage.reasoning_tokens", 0),
                optionalDecimal(u, "cost", "completion.usage.cost"));
    return new Completion(
        requiredText(c, "content", "completion.content"),
        optionalText(c, "finish_reason", "completion.finish_reason"),
        requiredText(c, "provider", "completion.provider"),
        requiredText(c, "model", "completion.model"),
        usage,
        readToolCalls(nullToAbsent(c.get("tool_calls"))),
        optionalText(c, "refusal", "completion.refusal"),
        optionalText(c, "reasoning", "completion.reasoning"),
        nullToAbsent(c.get("reasoning_details")),
        readParts(nullToAbsent(c.get("content_parts"))));
  }

  private static List<ToolCall> readToolCalls(JsonNode node) {
    if (node == null) {
      return List.of();
    }
    if (!node.isArray()) {
      throw InvalidReplyException.badField("completion.tool_calls", "must be an array");
    }
    List<ToolCall> calls = new ArrayList<>(node.size());
    for (int i = 0; i < node.size(); i++) {
      String path = "completion.tool_calls[" + i + "]";
      JsonNode t = node.get(i);
      if (!t.isObject()) {
        throw InvalidReplyException.badField(path, "must be an object");
      }
      JsonNode f = requiredObject(t, "function", path + ".function");
      calls.add(
          new ToolCall(
              requiredText(t, "id", path + ".id"),
              requiredText(t, "type", path + ".type"),
              requiredText(f, "name", path + ".function.name"),
              requiredText(f, "arguments", path + ".function.arguments")));
    }
    return calls;
  }

  private static List<JsonNode> readParts(JsonNode node) {
    if (node == null) {
      return List.of();
    }
    if (!node.isArray()) {
      throw InvalidReplyException.badField("completion.content_parts", "must be an array");
    }
    List<JsonNode> parts = new ArrayList<>(node.size());
    node.forEach(parts::add);
    return parts;
  }

  private static java.math.BigDecimal optionalDecimal(JsonNode parent, String name, String path) {
    JsonNode v = nullToAbsent(parent.get(name));
    if (v == null) {
      return null;
    }
    if (!v.isNumber()) {
      throw InvalidReplyException.badField(path, "must be a number");
    }
    return v.isFloatingPointNumber() && !v.isBigDecimal()
        ? new java.math.BigDecimal(v.asText())
        : v.decimalValue();
  }

  private static JobError readError(JsonNode e) {
    return new JobError(
        parseCode(requiredText(e, "code", "error.code"), "error.code"),
        requiredText(e, "message", "error.message"),
        optionalInt(e, "http_status", "error.http_status", Integer.MIN_VALUE),
        requiredBoolean(e, "retryable", "error.retryable"));
  }

  private static List<Attempt> readAttempts(JsonNode node) {
    if (node == null || !node.isArray()) {
      throw InvalidReplyException.badField("attempts", "must be an array");
    }
    List<Attempt> attempts = new ArrayList<>(node.size());
    for (int i = 0; i < node.size(); i++) {
      JsonNode a = node.get(i);
      String path = "attempts[" + i + "]";
      if (!a.isObject()) {
        throw InvalidReplyException.badField(path, "must be an object");
      }
      String outcome = requiredText(a, "outcome", path + ".outcome");
      if (!outcome.equals("ok")) {
        parseCode(outcome, path + ".outcome");
      }
      attempts.add(
          new Attempt(
              requiredText(a, "provider", path + ".provider"),
              requiredText(a, "model", path + ".model"),
              parseRoute(a.get("route"), path + ".route", true),
              outcome,
              requiredLong(a, "ms", path + ".ms", 0)));
    }
    return attempts;
  }

  private static Timing readTiming(JsonNode t) {
    return new Timing(
        optionalLong(t, "queued_ms", "timing.queued_ms", Long.MIN_VALUE),
        optionalLong(t, "ttft_ms", "timing.ttft_ms", 0),
        optionalLong(t, "upstream_ms", "timing.upstream_ms", 0),
        requiredLong(t, "total_ms", "timing.total_ms", 0));
  }

  private static Route parseRoute(JsonNode node, String path, boolean required) {
    node = nullToAbsent(node);
    if (node == null) {
      if (required) {
        throw InvalidReplyException.badField(path, "is required");
      }
      return null;
    }
    for (Route route : Route.values()) {
      if (route.wireName().equals(node.textValue())) {
        return route;
      }
    }
    throw InvalidReplyException.badField(
        path,
        "is "
            + (node.isTextual() ? quoted(node.textValue()) : node.toString())
            + ": expected direct, proxy or direct_after_proxy_failure");
  }

  private static ErrorCode parseCode(String wire, String path) {
    for (ErrorCode code : ErrorCode.values()) {
      if (code.wireName().equals(wire)) {
        return code;
      }
    }
    throw InvalidReplyException.badField(path, "is " + quoted(wire) + ": not a known error code");
  }
}
