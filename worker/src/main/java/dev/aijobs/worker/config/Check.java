package dev.aijobs.worker.config;

import java.net.URI;
import java.time.Duration;

/** Value checks shared by the configuration groups; each failure names the key. */
final class Check {
  private Check() {}

  static void notNull(String key, Object value) {
    if (value == null) {
      throw ConfigException.invalid(key, "must be set");
    }
  }

  static void range(String key, int value, int min, int max) {
    if (value < min || value > max) {
      throw ConfigException.invalid(key, "must be in " + min + ".." + max + ", got " + value);
    }
  }

  static void positive(String key, Duration d) {
    notNull(key, d);
    if (d.isZero() || d.isNegative()) {
      throw ConfigException.invalid(key, "must be > 0");
    }
  }

  static void notNegative(String key, Duration d) {
    notNull(key, d);
    if (d.isNegative()) {
      throw ConfigException.invalid(key, "must be >= 0");
    }
  }

  /** A URL with a scheme and a host; credentials are masked in the message. */
  static URI url(String key, String text) {
    try {
      URI uri = new URI(text);
      if (uri.getScheme() == null || uri.getHost() == null) {
        throw new IllegalArgumentException();
      }
      return uri;
    } catch (Exception e) {
      throw ConfigException.invalid(key, "is not a valid URL: '" + redact(text) + "'");
    }
  }

  /** {@code host} or {@code host:port} with a port in 1..65535. */
  static void hostPort(String key, String address) {
    if (address.isBlank()) {
      throw ConfigException.invalid(key, "has an empty address");
    }
    int colon = address.lastIndexOf(':');
    if (colon > 0) {
      try {
        int port = Integer.parseInt(address.substring(colon + 1));
        if (port <= 0 || port > 65535) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        throw ConfigException.invalid(key, "bad port in '" + address + "' (expected host:port)");
      }
    }
  }

  static String redact(String url) {
    return url.replaceAll("//[^@/]*@", "//****@");
  }
}
