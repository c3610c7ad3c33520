package dev.aijobs.worker.execute;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aijobs.protocol.Completion;
import dev.aijobs.protocol.ErrorCode;
import dev.aijobs.protocol.JobError;
import java.io.IOException;

/**
 * Builds an answer from OpenAI-style stream events with an {@link AnswerBuilder} (the same rules as
 * a non-streaming answer). A stream is complete once a non-empty {@code finish_reason} arrived
 * (with or without {@code [DONE]}); {@code ""} and {@code null} never end it. An {@code error}
 * object in an event or in its choice, or a choice finished with {@code error}, is an error even
 * under HTTP 200; a {@code data:} event that does not parse fails the attempt (it may have carried
 * text, and an answer with a hole in it is never ok). Events of other types are ignored. Events
 * arrive on an I/O thread while the attempt's clocks may complete it on the timer thread: every
 * method is synchronized, and {@link #completion} is a snapshot later events do not change.
 */
final class StreamAssembler {
  private final ObjectMapper mapper;
  private final StreamText deltas;
  private final ResponseMapper responses;
  private final AnswerBuilder answer = new AnswerBuilder();
  private volatile boolean finished;
  private volatile boolean done;
  private JobError error;
  private boolean sawData;

  StreamAssembler(ObjectMapper mapper, ResponseMapper responses, StreamText deltas) {
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
  synchronized int accept(SseParser.Event event) {
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
    answer.usage(root.get("usage"));
    JsonNode choice = ResponseMapper.firstChoice(root);
    if (choice != null) {
      // The delta first: the last text may share the event that finishes the choice.
      answer.apply(choice.get("delta"), deltas);
      JobError choiceError = responses.choiceError(choice, 200);
      if (choiceError != null) {
        error = choiceError;
        return FAILED;
      }
      answer.finish(choice.get("finish_reason"));
      finished = answer.isFinished();
    }
    return DATA;
  }

  /** Whether a data event (not a comment) has arrived. */
  boolean sawData() {
    return sawData;
  }

  /** Whether a finish reason arrived: the answer is complete. */
  boolean isFinished() {
    return finished;
  }

  /** Whether {@code [DONE]} arrived. */
  boolean isDone() {
    return done;
  }

  /** The failure, or null. */
  synchronized JobError error() {
    return error;
  }

  /** The answer, when finished. */
  synchronized Completion completion(String provider, String model) {
    return answer.build(provider, model);
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
