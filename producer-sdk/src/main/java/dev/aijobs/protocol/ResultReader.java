package dev.aijobs.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reads a result tree back into a {@link JobResult} (producer side). */
final class ResultReader {
  private ResultReader() {}

  static JobResult read(JsonNode n) {
    String id = n.path("id").asText();
    JsonNode meta = nullToAbsent(n.get("meta"));
    Route route = parseRoute(n.get("route"));
    List<Attempt> attempts = new ArrayList<>();
    for (JsonNode a : n.path("attempts")) {
      attempts.add(
          new Attempt(
              a.path("provider").asText(),
              a.path("model").asText(),
              parseRoute(a.get("route")),
              a.path("outcome").asText(),
              a.path("ms").asLong()));
    }
    JsonNode t = n.path("timing");
    Timing timing =
        new Timing(
            optLong(t.get("queued_ms")),
            optLong(t.get("ttft_ms")),
            optLong(t.get("upstream_ms")),
            t.path("total_ms").asLong());
    if ("ok".equals(n.path("status").asText())) {
      JsonNode c = n.path("completion");
      JsonNode u = nullToAbsent(c.get("usage"));
      Usage usage =
          u == null
              ? null
              : new Usage(
                  optInt(u.get("prompt_tokens")),
                  optInt(u.get("completion_tokens")),
                  optInt(u.get("total_tokens")));
      Completion completion =
          new Completion(
              c.path("content").asText(),
              textOrNull(c.get("finish_reason")),
              c.path("provider").asText(),
              c.path("model").asText(),
              usage);
      return JobResult.ok(id, completion, route, attempts, timing, meta);
    }
    JsonNode e = n.path("error");
    JobError error =
        new JobError(
            ErrorCode.fromWire(e.path("code").asText("internal")),
            e.path("message").asText(""),
            optInt(e.get("http_status")),
            e.path("retryable").asBoolean(false));
    return JobResult.error(id, error, route, attempts, timing, meta);
  }

  private static Route parseRoute(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    return Route.valueOf(node.asText().toUpperCase(Locale.ROOT));
  }

  private static JsonNode nullToAbsent(JsonNode node) {
    return node == null || node.isNull() ? null : node;
  }

  private static Long optLong(JsonNode node) {
    return node == null || node.isNull() ? null : node.asLong();
  }

  private static Integer optInt(JsonNode node) {
    return node == null || node.isNull() ? null : node.asInt();
  }

  private static String textOrNull(JsonNode node) {
    return node == null || node.isNull() ? null : node.asText();
  }
}
