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

  /** The integer at {@code key}, if set; ranges are checked by the settings that use it. */
  Optional<Integer> integer(String key) {
    return string(key)
        .map(
            text -> {
              try {
                return Integer.parseInt(text);
              } catch (NumberFormatException e) {
                throw ConfigException.invalid(key, "must be an integer, got '" + text + "'");
              }
            });
  }

  /** A size in bytes: {@code 1048576}, {@code 512k}, {@code 64m}, {@code 1g} (powers of 1024). */
  Optional<Long> bytes(String key) {
    return string(key)
        .map(
            text -> {
              String t = text.toLowerCase(Locale.ROOT).replace("b", "").replace("i", "").trim();
              long unit = 1;
              if (t.endsWith("k")) {
                unit = 1L << 10;
              } else if (t.endsWith("m")) {
                unit = 1L << 20;
              } else if (t.endsWith("g")) {
                unit = 1L << 30;
              }
              String digits = unit == 1 ? t : t.substring(0, t.length() - 1).trim();
              try {
                return Math.multiplyExact(Long.parseLong(digits), unit);
              } catch (NumberFormatException | ArithmeticException e) {
                throw ConfigException.invalid(
                    key, "must be a size like 1048576, 512k, 64m or 1g, got '" + text + "'");
              }
            });
  }

  int integer(String key, int def, int min, int max) {
    int n = integer(key).orElse(def);
    Check.range(key, n, min, max);
    return n;
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

  /** The duration at {@code key}, if set. */
  Optional<Duration> duration(String key) {
    return string(key).map(text -> parseDuration(key, text));
  }

  Duration duration(String key, Duration def) {
    return duration(key).orElse(def);
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
