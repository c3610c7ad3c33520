package dev.aijobs.bench;

import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads values out of the worker's {@code /metrics} (Prometheus text). */
final class Metrics {
  private Metrics() {}

  /** The value of the first series of {@code name} with tag {@code provider="…"}, or empty. */
  static OptionalDouble gauge(String metrics, String name, String provider) {
    return first(
        metrics,
        "^"
            + Pattern.quote(name)
            + "\\{[^}]*provider=\""
            + Pattern.quote(provider)
            + "\"[^}]*\\}\\s+(\\S+)");
  }

  /** The value of the first series of {@code name}, whatever its tags, or empty. */
  static OptionalDouble value(String metrics, String name) {
    return first(metrics, "^" + Pattern.quote(name) + "(?:\\{[^}]*\\})?\\s+(\\S+)");
  }

  private static OptionalDouble first(String metrics, String regex) {
    Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(metrics);
    if (!m.find()) {
      return OptionalDouble.empty();
    }
    try {
      return OptionalDouble.of(Double.parseDouble(m.group(1)));
    } catch (NumberFormatException e) {
      return OptionalDouble.empty();
    }
  }
}
