package dev.aijobs.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;

/**
 * A successful answer, every part of it.
 *
 * @param content the full assistant message text; required, may be empty (e.g. with tool calls)
 * @param finishReason the provider's finish reason, e.g. {@code stop}, {@code length} or {@code
 *     tool_calls}, verbatim
 * @param provider the provider that answered; required
 * @param model the model that answered (as requested from that provider); required
 * @param usage token usage and cost, or null
 * @param toolCalls the tool calls the model asked for, in order; empty when none
 * @param refusal the model's refusal text, or null
 * @param reasoning the model's reasoning ("thinking") text, kept apart from {@code content}, or
 *     null; DeepSeek needs it sent back in later turns of a tool-calling conversation
 * @param reasoningDetails OpenRouter's {@code reasoning_details} array, verbatim (to send back
 *     unmodified), or null
 * @param contentParts when the provider gave the content as an array of parts: every part that is
 *     not plain text (images, thinking blocks, …), verbatim and in order; their text is not in
 *     {@code content}. Empty otherwise.
 */
public record Completion(
    String content,
    String finishReason,
    String provider,
    String model,
    Usage usage,
    List<ToolCall> toolCalls,
    String refusal,
    String reasoning,
    JsonNode reasoningDetails,
    List<JsonNode> contentParts) {
  public Completion {
    Objects.requireNonNull(content, "content");
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(model, "model");
    toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    contentParts = contentParts == null ? List.of() : List.copyOf(contentParts);
  }

  /** A text answer. */
  public Completion(
      String content, String finishReason, String provider, String model, Usage usage) {
    this(content, finishReason, provider, model, usage, List.of(), null, null, null, List.of());
  }

  /**
   * This answer as the assistant message of a follow-up job's history, in the OpenAI shape: {@code
   * role}, {@code content} ({@code null} when empty and the model called tools) and {@code
   * tool_calls}. After it, add one {@code tool} message per call ({@code Jobs.Builder#toolResult}).
   * A legacy function call (the one call without an id) is written back as {@code function_call};
   * answer it with a {@code function} message ({@code {"role": "function", "name": ..., "content":
   * ...}}). DeepSeek's thinking mode also wants {@code reasoning_content} back on such a turn: set
   * it from {@link #reasoning()}.
   */
  public com.fasterxml.jackson.databind.node.ObjectNode toMessage() {
    com.fasterxml.jackson.databind.node.ObjectNode m =
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    m.put("role", "assistant");
    if (content.isEmpty() && !toolCalls.isEmpty()) {
      m.putNull("content");
    } else {
      m.put("content", content);
    }
    com.fasterxml.jackson.databind.node.ArrayNode calls = null;
    for (ToolCall t : toolCalls) {
      if (t.id().isEmpty()) {
        m.putObject("function_call").put("name", t.name()).put("arguments", t.arguments());
        continue;
      }
      if (calls == null) {
        calls = m.putArray("tool_calls");
      }
      com.fasterxml.jackson.databind.node.ObjectNode c = calls.addObject();
      c.put("id", t.id()).put("type", t.type());
      c.putObject("function").put("name", t.name()).put("arguments", t.arguments());
    }
    return m;
  }

  /** Never prints the content. */
  @Override
  public String toString() {
    return "Completion[provider="
        + provider
        + ", model="
        + model
        + ", finishReason="
        + finishReason
        + ", chars="
        + content.length()
        + (toolCalls.isEmpty() ? "" : ", toolCalls=" + toolCalls)
        + (reasoning == null ? "" : ", reasoningChars=" + reasoning.length())
        + (refusal == null ? "" : ", refusal")
        + "]";
  }
}
