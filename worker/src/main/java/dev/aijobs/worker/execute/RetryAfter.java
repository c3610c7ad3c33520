package dev.aijobs.worker.execute;

import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Reads {@code retry-after-ms} (OpenAI) or {@code Retry-After} (seconds or an HTTP date). A value
 * longer than {@link #MAX} is treated as absent: gateways write milliseconds (or an epoch) into the
 * seconds header, and such a wait means nothing for a job.
 */
final class RetryAfter {
  /** Longest wait taken seriously. */
  static final Duration MAX = Duration.ofHours(24);

  private RetryAfter() {}

  /** The wait the provider asked for, or null (absent, unreadable or absurd). */
  static Duration parse(HttpHeaders headers) {
    Duration d = read(headers);
    return d == null || d.compareTo(MAX) > 0 ? null : d;
  }

  private static Duration read(HttpHeaders headers) {
    String ms = headers.get("retry-after-ms");
    if (ms != null) {
      try {
        double v = Double.parseDouble(ms.trim());
        if (Double.isFinite(v)) {
          return Duration.ofMillis(Math.max(0, (long) Math.min(v, Long.MAX_VALUE / 2)));
        }
      } catch (NumberFormatException e) {
        // fall through to Retry-After
      }
    }
    String value = headers.get("Retry-After");
    if (value == null) {
      return null;
    }
    try {
      long seconds = Long.parseLong(value.trim());
      return seconds > MAX.toSeconds() ? null : Duration.ofSeconds(Math.max(0, seconds));
    } catch (NumberFormatException e) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
        long millis = at.toInstant().toEpochMilli() - System.currentTimeMillis();
        return Duration.ofMillis(Math.max(0, millis));
      } catch (RuntimeException ignored) {
        return null;
      }
    }
  }
}
