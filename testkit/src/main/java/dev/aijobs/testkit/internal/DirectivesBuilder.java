package dev.aijobs.testkit.internal;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/** Collects directive segments one by one; not thread-safe, one per parse. */
final class DirectivesBuilder {

  private OptionalInt status = OptionalInt.empty();
  private Optional<Duration> latency = Optional.empty();
  private OptionalLong retryAfterSeconds = OptionalLong.empty();
  private OptionalLong retryAfterMillis = OptionalLong.empty();
  private Optional<String> error = Optional.empty();
  private OptionalInt times = OptionalInt.empty();

  /** Applies one {@code mock:key=value} segment. */
  void apply(String segment) {
    String body = segment.substring(Directives.PREFIX.length());
    int eq = body.indexOf('=');
    if (eq <= 0) {
      throw new InvalidRequestException(
          "mock directive '" + segment + "' must have the form mock:key=value");
    }
    String key = body.substring(0, eq).trim();
    String value = body.substring(eq + 1).trim();
    switch (key) {
      case "status" -> status = OptionalInt.of((int) number(segment, value, 200, 599));
      case "latency" ->
          latency = Optional.of(Duration.ofMillis(number(segment, value, 0, Long.MAX_VALUE)));
      case "retry-after" -> retryAfterSeconds = OptionalLong.of(nonNegative(segment, value));
      case "retry-after-ms" -> retryAfterMillis = OptionalLong.of(nonNegative(segment, value));
      case "error" -> error = Optional.of(nonEmpty(segment, value));
      case "times" -> times = OptionalInt.of((int) number(segment, value, 1, Integer.MAX_VALUE));
      default ->
          throw new InvalidRequestException(
              "unknown mock directive '"
                  + key
                  + "' in '"
                  + segment
                  + "'; known: status, latency, retry-after, retry-after-ms, error, times");
    }
  }

  Directives build() {
    return new Directives(status, latency, retryAfterSeconds, retryAfterMillis, error, times);
  }

  private static long nonNegative(String segment, String value) {
    return number(segment, value, 0, Long.MAX_VALUE);
  }

  private static long number(String segment, String value, long min, long max) {
    long parsed;
    try {
      parsed = Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new InvalidRequestException(
          "mock directive '" + segment + "' needs an integer value, got '" + value + "'");
    }
    if (parsed < min || parsed > max) {
      throw new InvalidRequestException(
          "mock directive '" + segment + "' is out of range [" + min + ", " + max + "]");
    }
    return parsed;
  }

  private static String nonEmpty(String segment, String value) {
    if (value.isEmpty()) {
      throw new InvalidRequestException("mock directive '" + segment + "' needs a value");
    }
    return value;
  }
}
