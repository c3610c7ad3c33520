package dev.aijobs.testkit.internal;

import java.util.StringJoiner;

/** The assistant text the mock answers with, streamed or not. */
final class AnswerText {

  private AnswerText() {}

  /**
   * Returns {@code "t0 t1 ... t(N-1)"} for a {@code tokens=N} directive, else {@code "echo: "} plus
   * the last message's content.
   */
  static String content(ChatRequest request, Directives directives) {
    if (directives.tokens().isEmpty()) {
      return "echo: " + request.lastContent();
    }
    StringJoiner joined = new StringJoiner(" ");
    for (int i = 0; i < directives.tokens().getAsInt(); i++) {
      joined.add("t" + i);
    }
    return joined.toString();
  }
}
