package dev.aijobs.worker.execute;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aijobs.protocol.Completion;
import dev.aijobs.protocol.ErrorCode;
import dev.aijobs.protocol.JobError;
import dev.aijobs.protocol.Usage;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * Builds an answer from OpenAI-style stream events. A stream is complete once a {@code
 * finish_reason} arrived (with or without {@code [DONE]}); an {@code error} object in an event is
 * an error even under HTTP 200; a {@code data:} event that does not parse fails the attempt (it may
 * have carried text, and an answer with a hole in it is never ok). Events of other types are
 * ignored. Used from one I/O thread at a time.
 */
final class StreamAssembler {
  private final ObjectMapper mapper;
  private final Consumer<String> deltas;
  private final ResponseMapper responses;
  private final StringBuilder content = new StringBuilder();
  private volatile String finishReason;
  private volatile boolean done;
  private Usage usage;
  private JobError error;
  private boolean sawData;

  StreamAssembler(ObjectMapper mapper, ResponseMapper responses, Consumer<String> deltas) {
    this.mapper = mapper;
    this.responses = responses;
    this.deltas = deltas;
  }

  /** {@link #accept}: the event was ignored (unknown type). */
  static final int IGNORED = 0;

  /** {@link #accept}: the event carried data. */
  static final int DATA = 1;

  /** {@link #accept}: the stream failed and must be aborted. */
  static final int FAILED = -1;

  /** Handles one event: {@link #DATA}, {@link #IGNORED} or {@link #FAILED}. */
  int accept(SseParser.Event event) {
    if (error != null) {
      return FAILED;
    }
    if (event.type() != null && !event.type().equals("message") && !event.type().equals("error")) {
      return IGNORED;
    }
    sawData = true;
    String data = event.data();
    if (data.strip().equals("[DONE]")) {
      done = true;
      return DATA;
    }
    JsonNode root;
    try {
      root = mapper.readTree(data);
    } catch (IOException e) {
      error = malformed("a stream event is not valid JSON");
      return FAILED;
    }
    if (root == null || !root.isObject()) {
      error = malformed("a stream event is not a JSON object");
      return FAILED;
    }
    JsonNode err = root.get("error");
    if ("error".equals(event.type()) || (err != null && !err.isNull())) {
      error = responses.inBandError(root, 200);
      return FAILED;
    }
    JsonNode u = root.get("usage");
    if (u != null && u.isObject()) {
      usage = ResponseMapper.usage(u);
    }
    JsonNode choice = root.path("choices").path(0);
    if (choice.isObject()) {
      JsonNode text = choice.path("delta").path("content");
      if (text.isTextual() && !text.asText().isEmpty()) {
        content.append(text.asText());
        deltas.accept(text.asText());
      }
      JsonNode finish = choice.get("finish_reason");
      if (finish != null && !finish.isNull()) {
        finishReason = finish.asText();
      }
    }
    return DATA;
  }

  /** Whether a data event (not a comment) has arrived. */
  boolean sawData() {
    return sawData;
  }

  /** Whether a finish reason arrived: the answer is complete. */
  boolean isFinished() {
    return finishReason != null;
  }

  /** Whether {@code [DONE]} arrived. */
  boolean isDone() {
    return done;
  }

  /** The failure, or null. */
  JobError error() {
    return error;
  }

  /** The answer, when finished. */
  Completion completion(String provider, String model) {
    return new Completion(content.toString(), finishReason, provider, model, usage);
  }

  /** The failure of a stream that ended without a finish reason. */
  static JobError truncated(String how) {
    return new JobError(
        ErrorCode.TRUNCATED_STREAM, "stream " + how + " before a finish_reason", 200, true);
  }

  private static JobError malformed(String why) {
    return new JobError(ErrorCode.MALFORMED_RESPONSE, "provider " + why, 200, true);
  }
}
