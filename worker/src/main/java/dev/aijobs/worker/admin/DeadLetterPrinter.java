package dev.aijobs.worker.admin;

import java.io.PrintStream;

/** Prints dead letters one per line: id, error code, routing key, reason. */
final class DeadLetterPrinter {
  private static final String ROW = "%-38s %-20s %-14s %s%n";

  private final PrintStream out;

  DeadLetterPrinter(PrintStream out) {
    this.out = out;
  }

  void header(String first) {
    out.printf(ROW, first, "code", "routing key", "reason");
  }

  void row(String prefix, DeadLetter letter) {
    String id = letter.id() == null ? "(no id)" : letter.id();
    out.printf(
        ROW,
        prefix.isEmpty() ? id : prefix + " " + id,
        orDash(letter.errorCode()),
        orDash(letter.routingKey()),
        orDash(oneLine(letter.reason())));
  }

  private static String orDash(String s) {
    return s == null || s.isEmpty() ? "-" : s;
  }

  private static String oneLine(String s) {
    return s == null ? null : s.replaceAll("[\\r\\n\\t]+", " ");
  }
}
