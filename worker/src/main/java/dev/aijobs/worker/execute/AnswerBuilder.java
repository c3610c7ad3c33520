package dev.aijobs.worker.execute;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.aijobs.protocol.Completion;
import dev.aijobs.protocol.ToolCall;
import dev.aijobs.protocol.Usage;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Assembles one answer from what a provider sends, the same way for a whole message (non-streaming
 * body) and for a stream's deltas, so that both paths give the same completion. The rules, from
 * what OpenAI-compatible providers really send:
 *
 * <ul>
 *   <li>content: strings appended ({@code null} and {@code ""} add nothing); an array of parts
 *       appends the {@code text} of its text parts in order, routes the text of thinking parts to
 *       reasoning, and keeps every non-text part verbatim;
 *   <li>reasoning: {@code reasoning_content} and {@code reasoning} are one channel (a server that
 *       sends both with the same text counts once), read on every delta beside the content;
 *       OpenRouter's {@code reasoning_details} kept verbatim, in order;
 *   <li>tool calls keyed by {@code index}: a new index, or the same index with another non-empty
 *       {@code id}, starts a call; {@code id}, {@code type} and {@code function.name} take their
 *       first non-empty value; {@code arguments} fragments are concatenated; a legacy {@code
 *       function_call} is one call, an all-empty one none;
 *   <li>the finish reason is the first non-empty string: {@code ""} and {@code null} never end an
 *       answer;
 *   <li>usage: the last object seen wins (never summed).
 * </ul>
 *
 * <p>Used from one thread at a time.
 */
final class AnswerBuilder {
  private final StringBuilder content = new StringBuilder();
  private final StringBuilder reasoning = new StringBuilder();
  private final StringBuilder refusal = new StringBuilder();
  private final List<JsonNode> parts = new ArrayList<>();
  private final List<Call> calls = new ArrayList<>();
  private ArrayNode reasoningDetails;
  private Call legacyCall;
  private boolean sawReasoning;
  private boolean sawRefusal;
  private String finishReason;
  private Usage usage;

  /** A call being assembled; {@code order} keeps calls of the same index in arrival order. */
  private static final class Call {
    final int index;
    final int order;
    String id = "";
    String type = "";
    String name = "";
    final StringBuilder arguments = new StringBuilder();
    boolean any;

    Call(int index, int order) {
      this.index = index;
      this.order = order;
    }
  }

  /**
   * Applies a message (non-streaming) or a delta (streaming); the content and reasoning text it
   * added go to {@code added} (stream chunks), unless that is {@link StreamText#NONE}.
   */
  void apply(JsonNode message, StreamText added) {
    if (message == null || !message.isObject()) {
      return;
    }
    int contentBefore = content.length();
    int reasoningBefore = reasoning.length();
    appendContent(message.get("content"));
    appendReasoning(message);
    JsonNode r = message.get("refusal");
    if (r != null && r.isTextual() && !r.textValue().isEmpty()) {
      sawRefusal = true;
      refusal.append(r.textValue());
    }
    JsonNode details = message.get("reasoning_details");
    if (details != null && details.isArray() && !details.isEmpty()) {
      if (reasoningDetails == null) {
        reasoningDetails = JsonNodeFactory.instance.arrayNode();
      }
      reasoningDetails.addAll((ArrayNode) details);
    }
    JsonNode toolCalls = message.get("tool_calls");
    if (toolCalls != null && toolCalls.isArray()) {
      for (int i = 0; i < toolCalls.size(); i++) {
        applyToolCall(toolCalls.get(i), i);
      }
    }
    applyLegacyCall(message.get("function_call"));
    if (added != StreamText.NONE
        && (content.length() > contentBefore || reasoning.length() > reasoningBefore)) {
      added.accept(content.substring(contentBefore), reasoning.substring(reasoningBefore));
    }
  }

  /** Records the choice's finish reason if it is a non-empty string (the first one wins). */
  void finish(JsonNode finish) {
    if (finishReason == null
        && finish != null
        && finish.isTextual()
        && !finish.asText().isEmpty()) {
      finishReason = finish.asText();
    }
  }

  /** Records a usage object; the last one seen wins. */
  void usage(JsonNode u) {
    if (u != null && u.isObject()) {
      usage = mapUsage(u);
    }
  }

  boolean isFinished() {
    return finishReason != null;
  }

  String finishReason() {
    return finishReason;
  }

  Completion build(String provider, String model) {
    List<Call> ordered = new ArrayList<>(calls);
    ordered.sort(Comparator.comparingInt((Call c) -> c.index).thenComparingInt(c -> c.order));
    if (legacyCall != null) {
      ordered.add(legacyCall);
    }
    List<ToolCall> toolCalls = new ArrayList<>(ordered.size());
    for (Call c : ordered) {
      if (c.any) {
        toolCalls.add(
            new ToolCall(
                c.id, c.type.isEmpty() ? "function" : c.type, c.name, c.arguments.toString()));
      }
    }
    return new Completion(
        content.toString(),
        finishReason,
        provider,
        model,
        usage,
        toolCalls,
        sawRefusal ? refusal.toString() : null,
        sawReasoning ? reasoning.toString() : null,
        reasoningDetails == null ? null : reasoningDetails.deepCopy(),
        parts);
  }

  private void appendContent(JsonNode c) {
    if (c == null || c.isNull()) {
      return;
    }
    if (c.isTextual()) {
      content.append(c.textValue());
      return;
    }
    if (c.isObject()) {
      parts.add(c); // one part instead of an array: kept, not dropped
      return;
    }
    if (!c.isArray()) {
      return;
    }
    for (JsonNode part : c) {
      String type = part.path("type").asText("");
      if (part.isTextual()) {
        content.append(part.textValue());
      } else if (type.equals("text") && part.path("text").isTextual()) {
        content.append(part.path("text").textValue());
      } else if (type.equals("thinking")) {
        appendThinking(part.get("thinking")); // its text is the reasoning: not kept twice
      } else if (part.isObject()) {
        parts.add(part);
      }
    }
  }

  /** Mistral-style {@code thinking}: a string or an array of text parts. */
  private void appendThinking(JsonNode thinking) {
    if (thinking == null) {
      return;
    }
    if (thinking.isTextual() && !thinking.textValue().isEmpty()) {
      sawReasoning = true;
      reasoning.append(thinking.textValue());
    } else if (thinking.isArray()) {
      for (JsonNode t : thinking) {
        JsonNode text = t.isTextual() ? t : t.get("text");
        if (text != null && text.isTextual() && !text.textValue().isEmpty()) {
          sawReasoning = true;
          reasoning.append(text.textValue());
        }
      }
    }
  }

  private void appendReasoning(JsonNode message) {
    JsonNode rc = message.get("reasoning_content");
    JsonNode r = message.get("reasoning");
    String a = rc != null && rc.isTextual() && !rc.textValue().isEmpty() ? rc.textValue() : null;
    String b = r != null && r.isTextual() && !r.textValue().isEmpty() ? r.textValue() : null;
    if (a != null) {
      sawReasoning = true;
      reasoning.append(a);
    }
    if (b != null && !b.equals(a)) {
      sawReasoning = true;
      reasoning.append(b);
    }
  }

  private void applyToolCall(JsonNode fragment, int position) {
    if (fragment == null || !fragment.isObject()) {
      return;
    }
    JsonNode idx = fragment.get("index");
    int index = idx != null && idx.canConvertToInt() ? idx.asInt() : position;
    String id = text(fragment.get("id"));
    Call call = null;
    for (int i = calls.size() - 1; i >= 0; i--) {
      if (calls.get(i).index == index) {
        call = calls.get(i);
        break;
      }
    }
    if (call == null || (!id.isEmpty() && !call.id.isEmpty() && !call.id.equals(id))) {
      call = new Call(index, calls.size());
      calls.add(call);
    }
    merge(call, id, text(fragment.get("type")), fragment.path("function"));
  }

  private void applyLegacyCall(JsonNode fc) {
    if (fc == null || !fc.isObject()) {
      return;
    }
    if (legacyCall == null) {
      legacyCall = new Call(Integer.MAX_VALUE, Integer.MAX_VALUE);
    }
    merge(legacyCall, "", "", fc);
  }

  private static void merge(Call call, String id, String type, JsonNode function) {
    if (call.id.isEmpty() && !id.isEmpty()) {
      call.id = id;
    }
    if (call.type.isEmpty() && !type.isEmpty()) {
      call.type = type;
    }
    String name = text(function.get("name"));
    if (call.name.isEmpty() && !name.isEmpty()) {
      call.name = name;
    }
    JsonNode args = function.get("arguments");
    if (args != null && args.isTextual()) {
      call.arguments.append(args.textValue());
    } else if (args != null && (args.isObject() || args.isArray())) {
      call.arguments.append(args.toString()); // a server that sent parsed arguments
    }
    call.any |= !call.id.isEmpty() || !call.name.isEmpty() || call.arguments.length() > 0;
  }

  private static String text(JsonNode n) {
    return n != null && n.isTextual() ? n.textValue() : "";
  }

  static Usage mapUsage(JsonNode u) {
    Integer cached = optInt(u.path("prompt_tokens_details"), "cached_tokens");
    if (cached == null) {
      cached = optInt(u, "prompt_cache_hit_tokens");
    }
    JsonNode cost = u.get("cost");
    return new Usage(
        optInt(u, "prompt_tokens"),
        optInt(u, "completion_tokens"),
        optInt(u, "total_tokens"),
        cached,
        optInt(u.path("completion_tokens_details"), "reasoning_tokens"),
        cost != null && cost.isNumber() ? new BigDecimal(cost.asText()) : null);
  }

  private static Integer optInt(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || !v.canConvertToInt() ? null : v.asInt();
  }
}
