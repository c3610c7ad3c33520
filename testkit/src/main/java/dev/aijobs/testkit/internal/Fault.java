package dev.aijobs.testkit.internal;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A failure the mock upstream injects instead of (or into) a normal answer, chosen by the {@code
 * fault=NAME} directive. Names are the constants in lower case with {@code -} for {@code _}.
 */
public enum Fault {
  /** Abort the connection (RST, SO_LINGER 0) before any response byte. */
  RESET_BEFORE_HEADERS,
  /** Close the connection (FIN) before any response byte. */
  CLOSE_BEFORE_HEADERS,
  /** Never answer; keep the connection open. */
  NO_ANSWER,
  /** Send part of the answer, then close without finish_reason or [DONE]. */
  STREAM_CUT,
  /** Send part of the answer, then nothing more; keep the connection open. */
  STREAM_STALL,
  /** Insert a {@code data: {not json} event mid-stream (non-stream: a body that is not JSON). */
  MALFORMED_EVENT,
  /** End the stream normally after finish_reason but without {@code data: [DONE]}. */
  NO_DONE,
  /** HTTP 200 carrying an {@code error} object (an SSE event when streaming). */
  IN_BAND_ERROR;

  /** Returns the directive spelling, e.g. {@code reset-before-headers}. */
  public String directiveName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Returns every directive spelling, comma separated, for error messages. */
  public static String names() {
    return Arrays.stream(values()).map(Fault::directiveName).collect(Collectors.joining(", "));
  }

  /**
   * Finds a fault by its directive spelling.
   *
   * @param name e.g. {@code stream-cut}
   * @return the fault, empty when the name is unknown
   */
  public static Optional<Fault> byDirectiveName(String name) {
    return Arrays.stream(values()).filter(f -> f.directiveName().equals(name)).findFirst();
  }

  /** Whether the fault strikes before any response byte, whatever the request asked for. */
  public boolean beforeHeaders() {
    return this == RESET_BEFORE_HEADERS || this == CLOSE_BEFORE_HEADERS || this == NO_ANSWER;
  }
}
