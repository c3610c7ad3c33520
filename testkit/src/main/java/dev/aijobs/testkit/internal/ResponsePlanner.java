package dev.aijobs.testkit.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aijobs.testkit.internal.OpenAiBodies.StreamHead;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Chooses the {@link ResponseWriter} for a valid chat-completion request from its directives: a
 * {@code fault} wins over everything, then a non-200 status (a JSON error, even for streams), then
 * an SSE stream when the request says {@code "stream": true}, else a JSON completion. Thread-safe.
 */
public final class ResponsePlanner {

  private final OpenAiBodies bodies;
  private final UpstreamCounters counters;
  private final Clock clock;

  /**
   * Creates the planner.
   *
   * @param mapper the JSON mapper for bodies
   * @param counters supplies completion ids
   * @param clock supplies the {@code created} timestamp
   */
  public ResponsePlanner(ObjectMapper mapper, UpstreamCounters counters, Clock clock) {
    this.bodies = new OpenAiBodies(mapper);
    this.counters = counters;
    this.clock = clock;
  }

  /**
   * Plans the answer to a request.
   *
   * @param request the parsed request
   * @param directives the directives in force for it ({@link Directives#NONE} when used up)
   * @return the writer producing the answer
   */
  public ResponseWriter plan(ChatRequest request, Directives directives) {
    if (directives.corpus().isPresent()) {
      return CorpusAnswers.writer(directives.corpus().get(), request.stream());
    }
    if (directives.fault().isPresent()) {
      return planFault(request, directives, directives.fault().get());
    }
    int status = directives.effectiveStatus();
    Map<String, String> headers = retryHeaders(directives);
    if (status != 200) {
      Optional<String> code = directives.error();
      byte[] body = bodies.error(status, ErrorCatalog.message(status, code), code);
      return new JsonResponseWriter(status, body, headers);
    }
    if (request.stream()) {
      return stream(request, directives);
    }
    return new JsonResponseWriter(200, completion(request, directives), headers);
  }

  /**
   * Plans the answer to a request refused by {@code max-concurrent}: 429 {@code
   * rate_limit_exceeded} at once, with the {@code Retry-After} headers of the directives in force.
   *
   * @param directives the directives in force for the request
   * @param limit the concurrency limit that was reached
   * @return the writer producing the answer
   */
  public ResponseWriter overLimit(Directives directives, int limit) {
    byte[] body =
        bodies.error(
            429,
            "Too many concurrent requests (more than "
                + limit
                + " at once) (simulated by the mock upstream)",
            Optional.of("rate_limit_exceeded"));
    return new JsonResponseWriter(429, body, retryHeaders(directives));
  }

  /**
   * Plans an {@code invalid_request_error} answer.
   *
   * @param status the HTTP status, e.g. 400 or 404
   * @param message the message shown to the client
   * @return the writer producing the answer
   */
  public ResponseWriter invalid(int status, String message) {
    return new JsonResponseWriter(
        status, bodies.error(status, message, Optional.empty()), Map.of());
  }

  private ResponseWriter planFault(ChatRequest request, Directives directives, Fault fault) {
    if (fault.beforeHeaders()) {
      return switch (fault) {
        case RESET_BEFORE_HEADERS -> FaultWriters.reset();
        case CLOSE_BEFORE_HEADERS -> FaultWriters.close();
        default -> FaultWriters.noAnswer();
      };
    }
    if (request.stream()) {
      return stream(request, directives);
    }
    return switch (fault) {
      case STREAM_CUT -> FaultWriters.partialJson(completion(request, directives), false);
      case STREAM_STALL -> FaultWriters.partialJson(completion(request, directives), true);
      case MALFORMED_EVENT ->
          new JsonResponseWriter(
              200, StreamScript.MALFORMED.getBytes(StandardCharsets.UTF_8), Map.of());
      case IN_BAND_ERROR ->
          new JsonResponseWriter(
              200,
              bodies.inBandError(directives.error().orElse("502")).getBytes(StandardCharsets.UTF_8),
              Map.of());
      default -> new JsonResponseWriter(200, completion(request, directives), Map.of());
    };
  }

  private ResponseWriter stream(ChatRequest request, Directives directives) {
    StreamHead head = new StreamHead(nextId(), clock.instant().getEpochSecond(), request.model());
    return new SseResponseWriter(
        StreamScript.plan(bodies, head, request, directives), counters::countStream);
  }

  private String nextId() {
    return "chatcmpl-mock-" + counters.nextCompletionId();
  }

  private byte[] completion(ChatRequest request, Directives directives) {
    String content = AnswerText.content(request, directives);
    int completionTokens = Math.max(1, ChatRequest.wordCount(content));
    return bodies.completion(
        nextId(),
        clock.instant().getEpochSecond(),
        request.model(),
        content,
        request.promptWords(),
        completionTokens);
  }

  private static Map<String, String> retryHeaders(Directives directives) {
    Map<String, String> headers = new LinkedHashMap<>();
    directives.retryAfterSeconds().ifPresent(s -> headers.put("Retry-After", Long.toString(s)));
    directives.retryAfterMillis().ifPresent(ms -> headers.put("retry-after-ms", Long.toString(ms)));
    return headers;
  }
}
