package dev.aijobs.testkit.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * One step of a streamed answer: wait {@code delay} after the previous step, then act.
 *
 * @param delay the wait before this step, not negative
 * @param kind what to do
 * @param text the comment text or the data payload (without {@code data: }); empty otherwise
 */
public record SseStep(Duration delay, Kind kind, String text) {

  /** What a step does. */
  public enum Kind {
    /** Send an SSE comment line {@code : text}. */
    COMMENT,
    /** Send an SSE data event {@code data: text}. */
    DATA,
    /** End the chunked response normally (the connection may be kept alive). */
    END,
    /** Close the connection without ending the response. */
    CLOSE,
    /** Send nothing more but keep the connection open. */
    STALL
  }

  /** Validates the fields. */
  public SseStep {
    Objects.requireNonNull(delay, "delay");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(text, "text");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must be >= 0");
    }
  }

  static SseStep data(Duration delay, String payload) {
    return new SseStep(delay, Kind.DATA, payload);
  }

  static SseStep comment(Duration delay, String text) {
    return new SseStep(delay, Kind.COMMENT, text);
  }

  static SseStep of(Kind kind) {
    return new SseStep(Duration.ZERO, kind, "");
  }

  /** Returns the bytes this step puts on the wire: an SSE event or comment, else nothing. */
  String wireText() {
    return switch (kind) {
      case COMMENT -> ": " + text + "\n\n";
      case DATA -> "data: " + text + "\n\n";
      default -> "";
    };
  }
}
