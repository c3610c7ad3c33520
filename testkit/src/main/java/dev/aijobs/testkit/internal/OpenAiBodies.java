package dev.aijobs.testkit.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * Builds OpenAI-compatible JSON bodies: chat completions, stream chunks and error objects.
 * Thread-safe.
 */
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
    usage(root, promptTokens, completionTokens);
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

  /**
   * One streamed {@code chat.completion.chunk} carrying a piece of content; the first one of a
   * stream also carries {@code "role":"assistant"}, as OpenAI's do.
   *
   * @param head id, creation time and model of the stream
   * @param content the piece of content
   * @param first whether this is the stream's first content chunk
   * @return the JSON text (one line)
   */
  public String contentChunk(StreamHead head, String content, boolean first) {
    ObjectNode root = chunkRoot(head);
    ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
    ObjectNode delta = choice.putObject("delta");
    if (first) {
      delta.put("role", "assistant");
    }
    delta.put("content", content);
    choice.putNull("finish_reason");
    return text(root);
  }

  /**
   * The last chunk of a stream: an empty delta, {@code "finish_reason":"stop"} and the usage.
   *
   * @param head id, creation time and model of the stream
   * @param promptTokens the prompt token count to report
   * @param completionTokens the completion token count to report
   * @return the JSON text (one line)
   */
  public String finalChunk(StreamHead head, int promptTokens, int completionTokens) {
    ObjectNode root = chunkRoot(head);
    ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
    choice.putObject("delta");
    choice.put("finish_reason", "stop");
    usage(root, promptTokens, completionTokens);
    return text(root);
  }

  /**
   * An error reported with HTTP 200, as OpenRouter does: {@code
   * {"error":{"message":"...","code":502}}}, no choices.
   *
   * @param code the error code; a number when it looks like one, else a string
   * @return the JSON text (one line)
   */
  public String inBandError(String code) {
    ObjectNode root = mapper.createObjectNode();
    ObjectNode error = root.putObject("error");
    error.put("message", "Upstream provider error (simulated in-band by the mock upstream)");
    if (code.chars().allMatch(Character::isDigit)) {
      error.put("code", Integer.parseInt(code));
    } else {
      error.put("code", code);
    }
    return text(root);
  }

  private ObjectNode chunkRoot(StreamHead head) {
    ObjectNode root = mapper.createObjectNode();
    root.put("id", head.id())
        .put("object", "chat.completion.chunk")
        .put("created", head.created())
        .put("model", head.model());
    return root;
  }

  private static void usage(ObjectNode root, int promptTokens, int completionTokens) {
    root.putObject("usage")
        .put("prompt_tokens", promptTokens)
        .put("completion_tokens", completionTokens)
        .put("total_tokens", promptTokens + completionTokens);
  }

  private String text(ObjectNode node) {
    try {
      return mapper.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * What every chunk of one stream repeats.
   *
   * @param id the completion id
   * @param created creation time in epoch seconds
   * @param model the model to report
   */
  public record StreamHead(String id, long created, String model) {}

  private byte[] serialise(ObjectNode node) {
    try {
      return mapper.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
