package dev.aijobs.testkit.internal;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.regex.Pattern;

/**
 * The parts of a chat-completion request the mock upstream uses.
 *
 * @param model the model string exactly as sent, directives included
 * @param lastContent the text of the last message (text parts joined for multi-part content)
 * @param promptWords whitespace-separated words over all message contents
 * @param stream whether the request asked for a streamed (SSE) answer ({@code "stream": true})
 */
public record ChatRequest(String model, String lastContent, int promptWords, boolean stream) {

  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

  /**
   * Parses a request body.
   *
   * @param mapper the JSON mapper
   * @param body the request body; not released here
   * @return the request
   * @throws InvalidRequestException when the body is not JSON or lacks {@code model} or a non-empty
   *     {@code messages} array
   */
  public static ChatRequest parse(ObjectMapper mapper, ByteBuf body) {
    JsonNode root = readJson(mapper, body);
    JsonNode model = root.path("model");
    if (!model.isTextual() || model.asText().isBlank()) {
      throw new InvalidRequestException("'model' is required and must be a non-empty string");
    }
    JsonNode messages = root.path("messages");
    if (!messages.isArray() || messages.isEmpty()) {
      throw new InvalidRequestException("'messages' must be a non-empty array");
    }
    int words = 0;
    String last = "";
    for (JsonNode message : messages) {
      last = text(message.path("content"));
      words += wordCount(last);
    }
    boolean stream = root.path("stream").asBoolean(false);
    return new ChatRequest(model.asText(), last, words, stream);
  }

  /**
   * Counts whitespace-separated words.
   *
   * @param text any text
   * @return the number of words, 0 for blank text
   */
  public static int wordCount(String text) {
    String trimmed = text.strip();
    return trimmed.isEmpty() ? 0 : WHITESPACE.split(trimmed).length;
  }

  private static JsonNode readJson(ObjectMapper mapper, ByteBuf body) {
    try (InputStream in = new ByteBufInputStream(body.duplicate())) {
      JsonNode root = mapper.readTree(in);
      if (root == null || !root.isObject()) {
        throw new InvalidRequestException("request body must be a JSON object");
      }
      return root;
    } catch (JacksonException e) {
      throw new InvalidRequestException(
          "request body is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new InvalidRequestException("request body could not be read: " + e.getMessage());
    }
  }

  /** Content is a string, or (vision-style) an array of parts whose text parts are joined. */
  private static String text(JsonNode content) {
    if (content.isTextual()) {
      return content.asText();
    }
    StringBuilder joined = new StringBuilder();
    if (content.isArray()) {
      for (JsonNode part : content) {
        if (part.path("text").isTextual()) {
          joined.append(joined.length() == 0 ? "" : " ").append(part.path("text").asText());
        }
      }
    }
    return joined.toString();
  }
}
