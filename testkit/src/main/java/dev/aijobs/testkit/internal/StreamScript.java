package dev.aijobs.testkit.internal;

import dev.aijobs.testkit.internal.OpenAiBodies.StreamHead;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a streaming request and its directives into the list of {@link SseStep}s to play: optional
 * comments spread evenly over the first-token wait, one data event per token at the token interval,
 * a final event with {@code finish_reason} and usage, then {@code data: [DONE]} and the end of the
 * response; a {@link Fault} changes the tail. Pure: no I/O, no clock.
 */
public final class StreamScript {

  /** The comment OpenRouter sends while a request waits for its first token. */
  public static final String PROCESSING_COMMENT = "OPENROUTER PROCESSING";

  /** The terminating payload of an OpenAI stream. */
  public static final String DONE = "[DONE]";

  /** The payload of a {@code malformed-event} fault. */
  public static final String MALFORMED = "{not json";

  private static final Pattern TOKEN = Pattern.compile("\\s*\\S+");

  private StreamScript() {}

  /**
   * Plans a stream.
   *
   * @param bodies builds the JSON payloads
   * @param head id, creation time and model of the stream
   * @param request the request
   * @param directives the directives in force
   * @return the steps, in order
   */
  public static List<SseStep> plan(
      OpenAiBodies bodies, StreamHead head, ChatRequest request, Directives directives) {
    List<String> tokens = tokens(AnswerText.content(request, directives));
    Duration interval = directives.tokenInterval().orElse(Duration.ZERO);
    Duration firstToken = directives.firstToken().orElse(Duration.ZERO);
    int comments = directives.comments().orElse(0);
    Duration gap = firstToken.dividedBy(comments + 1L);
    List<SseStep> steps = new ArrayList<>();
    for (int i = 0; i < comments; i++) {
      steps.add(SseStep.comment(gap, PROCESSING_COMMENT));
    }
    // The first data event comes at the first-token delay, whatever the comments.
    Duration next = firstToken.minus(gap.multipliedBy(comments));
    Fault fault = directives.fault().orElse(null);
    int faultAt = Math.min(directives.effectiveFaultAfter(), tokens.size());
    for (int i = 0; i <= tokens.size(); i++) {
      if (i == faultAt && fault == Fault.MALFORMED_EVENT) {
        steps.add(SseStep.data(next, MALFORMED));
        next = interval;
      } else if (i == faultAt && endsStream(fault)) {
        addEnding(steps, fault, next, bodies, directives);
        return steps;
      }
      if (i < tokens.size()) {
        steps.add(SseStep.data(next, bodies.contentChunk(head, tokens.get(i), i == 0)));
        next = interval;
      }
    }
    steps.add(SseStep.data(next, bodies.finalChunk(head, request.promptWords(), tokens.size())));
    if (fault != Fault.NO_DONE) {
      steps.add(SseStep.data(Duration.ZERO, DONE));
    }
    steps.add(SseStep.of(SseStep.Kind.END));
    return steps;
  }

  /**
   * Splits content into tokens that concatenate back to it exactly: each token is a word with the
   * whitespace before it; trailing whitespace joins the last token.
   *
   * @param content any text
   * @return at least one token
   */
  public static List<String> tokens(String content) {
    List<String> tokens = new ArrayList<>();
    Matcher matcher = TOKEN.matcher(content);
    int end = 0;
    while (matcher.find()) {
      tokens.add(matcher.group());
      end = matcher.end();
    }
    String rest = content.substring(end);
    if (tokens.isEmpty()) {
      tokens.add(rest);
    } else if (!rest.isEmpty()) {
      tokens.set(tokens.size() - 1, tokens.get(tokens.size() - 1) + rest);
    }
    return tokens;
  }

  private static boolean endsStream(Fault fault) {
    return fault == Fault.STREAM_CUT || fault == Fault.STREAM_STALL || fault == Fault.IN_BAND_ERROR;
  }

  private static void addEnding(
      List<SseStep> steps,
      Fault fault,
      Duration delay,
      OpenAiBodies bodies,
      Directives directives) {
    switch (fault) {
      case STREAM_CUT -> steps.add(new SseStep(delay, SseStep.Kind.CLOSE, ""));
      case STREAM_STALL -> steps.add(new SseStep(delay, SseStep.Kind.STALL, ""));
      default -> {
        steps.add(SseStep.data(delay, bodies.inBandError(directives.error().orElse("502"))));
        steps.add(SseStep.of(SseStep.Kind.END));
      }
    }
  }
}
