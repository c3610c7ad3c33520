package dev.aijobs.worker.execute;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aijobs.protocol.ErrorCode;
import dev.aijobs.protocol.JobError;
import java.io.IOException;
import java.util.Locale;

/**
 * Turns a provider's HTTP answer into a completion or an error with the contract's code. An HTTP
 * 200 that carries an {@code error} object, at the top or in its choice, or a choice finished with
 * {@code error} (OpenRouter does this) is an error; a completion without a non-empty {@code
 * finish_reason} is not reported as {@code ok}. The message is assembled by {@link AnswerBuilder},
 * as a stream's deltas are.
 */
final class ResponseMapper {
  private final ObjectMapper mapper;

  ResponseMapper(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  ObjectMapper mapper() {
    return mapper;
  }

  AttemptOutcome map(
      int status, byte[] body, String provider, String model, java.time.Duration retryAfter) {
    JsonNode root = parse(body);
    if (status < 200 || status >= 300) {
      return AttemptOutcome.failed(httpError(status, root), retryAfter);
    }
    if (root == null || !root.isObject()) {
      return malformed(status, "answer is not a JSON object");
    }
    JsonNode error = root.get("error");
    if (error != null && !error.isNull()) {
      return AttemptOutcome.failed(inBandError(root, status), retryAfter);
    }
    JsonNode choice = firstChoice(root);
    if (choice == null) {
      return malformed(status, "answer has no choices");
    }
    JobError choiceError = choiceError(choice, status);
    if (choiceError != null) {
      return AttemptOutcome.failed(choiceError, retryAfter);
    }
    AnswerBuilder answer = new AnswerBuilder();
    answer.apply(choice.get("message"), StreamText.NONE);
    answer.finish(choice.get("finish_reason"));
    answer.usage(root.get("usage"));
    if (!answer.isFinished()) {
      return AttemptOutcome.failed(
          new JobError(ErrorCode.TRUNCATED_STREAM, "answer has no finish_reason", status, true),
          null);
    }
    return AttemptOutcome.ok(answer.build(provider, model));
  }

  /**
   * The choice of the job's one completion (index 0, or the one without an index); null when the
   * event or body has none ({@code choices} missing, null or empty, as on a usage event).
   */
  static JsonNode firstChoice(JsonNode root) {
    JsonNode choices = root.get("choices");
    if (choices == null || !choices.isArray()) {
      return null;
    }
    for (JsonNode c : choices) {
      JsonNode index = c.get("index");
      if (c.isObject() && (index == null || index.isNull() || index.asInt(-1) == 0)) {
        return c;
      }
    }
    return null;
  }

  /**
   * An error carried by a choice: an {@code error} object beside its partial output, or a choice
   * finished with {@code error} (OpenRouter); null when the choice is fine.
   */
  JobError choiceError(JsonNode choice, int httpStatus) {
    JsonNode error = choice.get("error");
    if (error != null && !error.isNull()) {
      return inBandError(choice, httpStatus);
    }
    JsonNode finish = choice.get("finish_reason");
    if (finish != null && "error".equals(finish.asText())) {
      return new JobError(
          ErrorCode.UPSTREAM_ERROR,
          "provider ended the answer with finish_reason error",
          httpStatus,
          true);
    }
    return null;
  }

  /** An {@code error} object inside a 200 answer or stream event (OpenRouter does this). */
  JobError inBandError(JsonNode root, int httpStatus) {
    JsonNode code = root.path("error").path("code");
    int inBand = code.canConvertToInt() && code.asInt() >= 400 ? code.asInt() : 502;
    JobError mapped = httpError(inBand, root);
    return new JobError(
        mapped.code(), "in-band error: " + mapped.message(), httpStatus, mapped.retryable());
  }

  /** Maps an HTTP error status (and its body, for 400s) to an error. */
  JobError httpError(int status, JsonNode root) {
    String message = errorMessage(root);
    ErrorCode code;
    if (status == 400) {
      code = classify400(root, message);
    } else if (status == 401 || status == 403) {
      code = ErrorCode.AUTH_FAILED;
    } else if (status == 402) {
      code = ErrorCode.INSUFFICIENT_CREDITS;
    } else if (status == 429) {
      code = ErrorCode.RATE_LIMITED;
    } else if (status == 408 || status == 409 || status >= 500) {
      code = ErrorCode.UPSTREAM_ERROR;
    } else {
      code = ErrorCode.BAD_REQUEST;
    }
    String text = "provider answered HTTP " + status + (message.isEmpty() ? "" : ": " + message);
    return new JobError(code, text, status, code.isRetryable());
  }

  private static ErrorCode classify400(JsonNode root, String message) {
    String code = root == null ? "" : root.path("error").path("code").asText("");
    String type = root == null ? "" : root.path("error").path("type").asText("");
    String all = (code + " " + type + " " + message).toLowerCase(Locale.ROOT);
    if (all.contains("context_length")
        || all.contains("context length")
        || all.contains("maximum context")) {
      return ErrorCode.CONTEXT_LENGTH_EXCEEDED;
    }
    if (all.contains("content_policy")
        || all.contains("content_filter")
        || all.contains("content filter")
        || all.contains("data_inspection_failed")) {
      return ErrorCode.CONTENT_FILTERED;
    }
    return ErrorCode.BAD_REQUEST;
  }

  private static String errorMessage(JsonNode root) {
    if (root == null) {
      return "";
    }
    JsonNode m = root.path("error").path("message");
    String text = m.isTextual() ? m.asText() : root.path("message").asText("");
    return text.length() > 500 ? text.substring(0, 500) + "…" : text;
  }

  private static AttemptOutcome malformed(int status, String why) {
    return AttemptOutcome.failed(
        new JobError(ErrorCode.MALFORMED_RESPONSE, "provider " + why, status, true), null);
  }

  private JsonNode parse(byte[] body) {
    if (body == null || body.length == 0) {
      return null;
    }
    try {
      return mapper.readTree(body);
    } catch (IOException e) {
      return null;
    }
  }
}
