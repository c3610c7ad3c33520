package dev.aijobs.protocol;

import java.util.Objects;

/**
 * A tool (function) call the model asked for, in the OpenAI shape ({@code {"id", "type",
 * "function": {"name", "arguments"}}}). The bot runs the tool and sends a follow-up job whose
 * messages hold this assistant turn and a {@code tool} message with the output.
 *
 * @param id the call's id, to quote in the {@code tool} message's {@code tool_call_id}; may be
 *     empty when the provider gave none
 * @param type {@code function} (or another type the provider named)
 * @param name the function's name
 * @param arguments the arguments exactly as the provider wrote them: JSON text that is usually, but
 *     not always, valid JSON
 */
public record ToolCall(String id, String type, String name, String arguments) {
  public ToolCall {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(arguments, "arguments");
  }

  /** Never prints the arguments. */
  @Override
  public String toString() {
    return "ToolCall[id=" + id + ", type=" + type + ", name=" + name + "]";
  }
}
