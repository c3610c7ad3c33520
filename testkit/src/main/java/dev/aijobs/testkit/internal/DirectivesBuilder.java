package dev.aijobs.testkit.internal;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/** Collects directive segments one by one; not thread-safe, one per parse. */
final class DirectivesBuilder {

  /** Upper bound of counted directives (tokens, comments), so a typo cannot flood a client. */
  static final int MAX_TOKENS = 100_000;

  private static final String KNOWN =
      "status, latency, retry-after, retry-after-ms, error, times, for, max-concurrent, tokens,"
          + " token-interval, first-token, comments, fault, fault-after, reject-key, corpus";

  private OptionalInt status = OptionalInt.empty();
  private Optional<Duration> latency = Optional.empty();
  private OptionalLong retryAfterSeconds = OptionalLong.empty();
  private OptionalLong retryAfterMillis = OptionalLong.empty();
  private Optional<String> error = Optional.empty();
  private OptionalInt times = OptionalInt.empty();
  private Optional<Duration> window = Optional.empty();
  private OptionalInt maxConcurrent = OptionalInt.empty();
  private OptionalInt tokens = OptionalInt.empty();
  private Optional<Duration> tokenInterval = Optional.empty();
  private Optional<Duration> firstToken = Optional.empty();
  private OptionalInt comments = OptionalInt.empty();
  private Optional<Fault> fault = Optional.empty();
  private OptionalInt faultAfter = OptionalInt.empty();
  private Optional<String> rejectKey = Optional.empty();
  private Optional<String> corpus = Optional.empty();

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
      case "latency" -> latency = Optional.of(millis(segment, value));
      case "retry-after" -> retryAfterSeconds = OptionalLong.of(nonNegative(segment, value));
      case "retry-after-ms" -> retryAfterMillis = OptionalLong.of(nonNegative(segment, value));
      case "error" -> error = Optional.of(nonEmpty(segment, value));
      case "times" -> times = OptionalInt.of((int) number(segment, value, 1, Integer.MAX_VALUE));
      case "for" ->
          window = Optional.of(Duration.ofMillis(number(segment, value, 1, Long.MAX_VALUE)));
      case "max-concurrent" ->
          maxConcurrent = OptionalInt.of((int) number(segment, value, 1, Integer.MAX_VALUE));
      case "tokens" -> tokens = OptionalInt.of((int) number(segment, value, 1, MAX_TOKENS));
      case "token-interval" -> tokenInterval = Optional.of(millis(segment, value));
      case "first-token" -> firstToken = Optional.of(millis(segment, value));
      case "comments" -> comments = OptionalInt.of((int) number(segment, value, 0, MAX_TOKENS));
      case "fault" -> fault = Optional.of(fault(segment, value));
      case "reject-key" -> rejectKey = Optional.of(nonEmpty(segment, value));
      case "corpus" -> corpus = Optional.of(CorpusAnswers.checkName(segment, value));
      case "fault-after" ->
          faultAfter = OptionalInt.of((int) number(segment, value, 0, MAX_TOKENS));
      default ->
          throw new InvalidRequestException(
              "unknown mock directive '" + key + "' in '" + segment + "'; known: " + KNOWN);
    }
  }

  Directives build() {
    return new Directives(
        status,
        latency,
        retryAfterSeconds,
        retryAfterMillis,
        error,
        times,
        window,
        maxConcurrent,
        tokens,
        tokenInterval,
        firstToken,
        comments,
        fault,
        faultAfter,
        rejectKey,
        corpus);
  }

  private static Duration millis(String segment, String value) {
    return Duration.ofMillis(number(segment, value, 0, Long.MAX_VALUE));
  }

  private static Fault fault(String segment, String value) {
    return Fault.byDirectiveName(value)
        .orElseThrow(
            () ->
                new InvalidRequestException(
                    "mock directive '"
                        + segment
                        + "' names an unknown fault; known: "
                        + Fault.names()));
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
