package dev.aijobs.worker.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Typed reads from a {@link ConfigSource}; every failure names the key. */
final class ConfigValues {
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

  private final ConfigSource source;

  ConfigValues(ConfigSource source) {
    this.source = source;
  }

  Optional<String> string(String key) {
    return source.get(key).map(String::trim).filter(s -> !s.isEmpty());
  }

  int integer(String key, int def, int min, int max) {
    Optional<String> v = string(key);
    if (v.isEmpty()) {
      return def;
    }
    try {
      int n = Integer.parseInt(v.get());
      if (n < min || n > max) {
        throw ConfigException.invalid(key, "must be in " + min + ".." + max + ", got " + n);
      }
      return n;
    } catch (NumberFormatException e) {
      throw ConfigException.invalid(key, "must be an integer, got '" + v.get() + "'");
    }
  }

  double decimal(String key, double def) {
    Optional<String> v = string(key);
    if (v.isEmpty()) {
      return def;
    }
    try {
      double d = Double.parseDouble(v.get());
      if (d < 0 || Double.isNaN(d) || Double.isInfinite(d)) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException e) {
      throw ConfigException.invalid(key, "must be a non-negative number, got '" + v.get() + "'");
    }
  }

  boolean bool(String key, boolean def) {
    Optional<String> v = string(key);
    if (v.isEmpty()) {
      return def;
    }
    switch (v.get().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1", "on" -> {
        return true;
      }
      case "false", "no", "0", "off" -> {
        return false;
      }
      default -> throw ConfigException.invalid(key, "must be true or false, got '" + v.get() + "'");
    }
  }

  Duration duration(String key, Duration def) {
    Optional<String> v = string(key);
    return v.isEmpty() ? def : parseDuration(key, v.get());
  }

  /** Parses {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h} or ISO-8601 ({@code PT30S}). */
  static Duration parseDuration(String key, String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    Matcher m = DURATION.matcher(t);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofHours(n);
      };
    }
    try {
      return Duration.parse(text.trim().toUpperCase(Locale.ROOT));
    } catch (RuntimeException e) {
      throw ConfigException.invalid(
          key, "must be a duration like 500ms, 30s, 2m or PT30S, got '" + text + "'");
    }
  }
}
