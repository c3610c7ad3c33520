package dev.aijobs.worker.execute;

import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/** Reads {@code retry-after-ms} (OpenAI) or {@code Retry-After} (seconds or an HTTP date). */
final class RetryAfter {
  private RetryAfter() {}

  /** The wait the provider asked for, or null. */
  static Duration parse(HttpHeaders headers) {
    String ms = headers.get("retry-after-ms");
    if (ms != null) {
      try {
        return Duration.ofMillis(Math.max(0, (long) Double.parseDouble(ms.trim())));
      } catch (NumberFormatException e) {
        // fall through to Retry-After
      }
    }
    String value = headers.get("Retry-After");
    if (value == null) {
      return null;
    }
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
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
