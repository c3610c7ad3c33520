package dev.aijobs.testkit.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Chooses the {@link ResponseWriter} for a valid chat-completion request from its directives. New
 * behaviours (SSE streaming, faults) are added here as new writers. Thread-safe.
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
    int status = directives.effectiveStatus();
    Map<String, String> headers = retryHeaders(directives);
    if (status == 200) {
      return new JsonResponseWriter(200, completion(request), headers);
    }
    Optional<String> code = directives.error();
    byte[] body = bodies.error(status, ErrorCatalog.message(status, code), code);
    return new JsonResponseWriter(status, body, headers);
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

  private byte[] completion(ChatRequest request) {
    String content = "echo: " + request.lastContent();
    int completionTokens = Math.max(1, ChatRequest.wordCount(content));
    return bodies.completion(
        "chatcmpl-mock-" + counters.nextCompletionId(),
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
