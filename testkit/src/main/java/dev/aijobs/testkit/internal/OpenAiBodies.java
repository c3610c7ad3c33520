package dev.aijobs.testkit.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.Optional;

/** Builds OpenAI-compatible JSON bodies: chat completions and error objects. Thread-safe. */
public final class OpenAiBodies {

  private final ObjectMapper mapper;

  /**
   * Creates the builder.
   *
   * @param mapper the JSON mapper used to serialise bodies
   */
  public OpenAiBodies(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /**
   * A non-streaming {@code chat.completion} with one assistant choice.
   *
   * @param id the completion id
   * @param created creation time in epoch seconds
   * @param model the model to report
   * @param content the assistant's answer
   * @param promptTokens the prompt token count to report
   * @param completionTokens the completion token count to report
   * @return the UTF-8 JSON body
   */
  public byte[] completion(
      String id,
      long created,
      String model,
      String content,
      int promptTokens,
      int completionTokens) {
    ObjectNode root = mapper.createObjectNode();
    root.put("id", id).put("object", "chat.completion").put("created", created).put("model", model);
    ObjectNode choice = root.putArray("choices").addObject();
    choice.put("index", 0);
    choice.putObject("message").put("role", "assistant").put("content", content);
    choice.put("finish_reason", "stop");
    root.putObject("usage")
        .put("prompt_tokens", promptTokens)
        .put("completion_tokens", completionTokens)
        .put("total_tokens", promptTokens + completionTokens);
    return serialise(root);
  }

  /**
   * An OpenAI-style error body {@code {"error":{"message","type","param","code"}}}.
   *
   * @param status the HTTP status the body goes with; it picks the error type
   * @param message the human-readable message
   * @param code the machine-readable code; when empty, a default for the status or JSON null
   * @return the UTF-8 JSON body
   */
  public byte[] error(int status, String message, Optional<String> code) {
    ObjectNode error = mapper.createObjectNode();
    ObjectNode body = error.putObject("error");
    body.put("message", message).put("type", ErrorCatalog.type(status)).putNull("param");
    Optional<String> effective = code.or(() -> ErrorCatalog.defaultCode(status));
    effective.ifPresentOrElse(c -> body.put("code", c), () -> body.putNull("code"));
    return serialise(error);
  }

  private byte[] serialise(ObjectNode node) {
    try {
      return mapper.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
