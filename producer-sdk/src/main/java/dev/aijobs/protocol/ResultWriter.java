package dev.aijobs.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * Writes a result in the exact shape of the contract (nulls included where the contract shows
 * them).
 */
final class ResultWriter {
  private ResultWriter() {}

  static void write(JsonGenerator g, ObjectMapper mapper, JobResult r) throws IOException {
    g.writeStartObject();
    g.writeNumberField("v", JobCodec.VERSION);
    g.writeStringField("id", r.id());
    g.writeStringField("type", "result");
    g.writeStringField("status", r.status());
    writeCompletion(g, mapper, r.completion());
    writeError(g, r.error());
    if (r.route() == null) {
      g.writeNullField("route");
    } else {
      g.writeStringField("route", r.route().wireName());
    }
    g.writeArrayFieldStart("attempts");
    for (Attempt a : r.attempts()) {
      g.writeStartObject();
      g.writeStringField("provider", a.provider());
      g.writeStringField("model", a.model());
      g.writeStringField("route", a.route().wireName());
      g.writeStringField("outcome", a.outcome());
      g.writeNumberField("ms", a.ms());
      g.writeEndObject();
    }
    g.writeEndArray();
    writeTiming(g, r.timing());
    if (r.meta() != null && !r.meta().isNull()) {
      g.writeFieldName("meta");
      mapper.writeTree(g, r.meta());
    }
    g.writeEndObject();
  }

  private static void writeCompletion(JsonGenerator g, ObjectMapper mapper, Completion c)
      throws IOException {
    if (c == null) {
      g.writeNullField("completion");
      return;
    }
    g.writeObjectFieldStart("completion");
    g.writeStringField("content", c.content());
    g.writeStringField("finish_reason", c.finishReason());
    g.writeStringField("provider", c.provider());
    g.writeStringField("model", c.model());
    Usage u = c.usage();
    if (u == null) {
      g.writeNullField("usage");
    } else {
      g.writeObjectFieldStart("usage");
      writeInt(g, "prompt_tokens", u.promptTokens());
      writeInt(g, "completion_tokens", u.completionTokens());
      writeInt(g, "total_tokens", u.totalTokens());
      if (u.cachedTokens() != null) {
        g.writeNumberField("cached_tokens", u.cachedTokens());
      }
      if (u.reasoningTokens() != null) {
        g.writeNumberField("reasoning_tokens", u.reasoningTokens());
      }
      if (u.cost() != null) {
        g.writeNumberField("cost", u.cost());
      }
      g.writeEndObject();
    }
    // Optional parts: written only when the answer has them, so a plain text answer is unchanged.
    if (!c.toolCalls().isEmpty()) {
      g.writeArrayFieldStart("tool_calls");
      for (ToolCall t : c.toolCalls()) {
        g.writeStartObject();
        g.writeStringField("id", t.id());
        g.writeStringField("type", t.type());
        g.writeObjectFieldStart("function");
        g.writeStringField("name", t.name());
        g.writeStringField("arguments", t.arguments());
        g.writeEndObject();
        g.writeEndObject();
      }
      g.writeEndArray();
    }
    if (c.refusal() != null) {
      g.writeStringField("refusal", c.refusal());
    }
    if (c.reasoning() != null) {
      g.writeStringField("reasoning", c.reasoning());
    }
    if (c.reasoningDetails() != null) {
      g.writeFieldName("reasoning_details");
      mapper.writeTree(g, c.reasoningDetails());
    }
    if (!c.contentParts().isEmpty()) {
      g.writeArrayFieldStart("content_parts");
      for (com.fasterxml.jackson.databind.JsonNode part : c.contentParts()) {
        mapper.writeTree(g, part);
      }
      g.writeEndArray();
    }
    g.writeEndObject();
  }

  private static void writeError(JsonGenerator g, JobError e) throws IOException {
    if (e == null) {
      g.writeNullField("error");
      return;
    }
    g.writeObjectFieldStart("error");
    g.writeStringField("code", e.code().wireName());
    g.writeStringField("message", e.message());
    writeInt(g, "http_status", e.httpStatus());
    g.writeBooleanField("retryable", e.retryable());
    g.writeEndObject();
  }

  private static void writeTiming(JsonGenerator g, Timing t) throws IOException {
    g.writeObjectFieldStart("timing");
    writeLong(g, "queued_ms", t == null ? null : t.queuedMs());
    writeLong(g, "ttft_ms", t == null ? null : t.ttftMs());
    writeLong(g, "upstream_ms", t == null ? null : t.upstreamMs());
    g.writeNumberField("total_ms", t == null ? 0 : t.totalMs());
    g.writeEndObject();
  }

  private static void writeInt(JsonGenerator g, String name, Integer value) throws IOException {
    if (value == null) {
      g.writeNullField(name);
    } else {
      g.writeNumberField(name, value);
    }
  }

  private static void writeLong(JsonGenerator g, String name, Long value) throws IOException {
    if (value == null) {
      g.writeNullField(name);
    } else {
      g.writeNumberField(name, value);
    }
  }
}
