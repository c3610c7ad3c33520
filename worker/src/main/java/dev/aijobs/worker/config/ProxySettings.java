package dev.aijobs.worker.config;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A proxy endpoint parsed from a URL such as {@code socks5://user:pass@host:1080}. {@code
 * socks5h://} asks the proxy to resolve the target's name (as the original Python client did).
 *
 * @param type SOCKS5 or HTTP
 * @param host proxy host
 * @param port proxy port
 * @param username user name, or null
 * @param password password, or null
 * @param resolveAtProxy whether the target name is resolved by the proxy rather than locally
 */
public record ProxySettings(
    ConnectionMode type,
    String host,
    int port,
    String username,
    Secret password,
    boolean resolveAtProxy) {

  /**
   * Parses a proxy URL.
   *
   * @throws ConfigException naming {@code key} when the URL is not a usable proxy URL
   */
  public static ProxySettings parse(String key, String url) {
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (Exception e) {
      throw ConfigException.invalid(
          key, "is not a valid URL (expected socks5://user:pass@host:port)");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    ConnectionMode type;
    boolean remoteDns = false;
    int defaultPort;
    switch (scheme) {
      case "socks5", "socks" -> {
        type = ConnectionMode.SOCKS5;
        defaultPort = 1080;
      }
      case "socks5h" -> {
        type = ConnectionMode.SOCKS5;
        remoteDns = true;
        defaultPort = 1080;
      }
      case "http" -> {
        type = ConnectionMode.HTTP;
        defaultPort = 3128;
      }
      default ->
          throw ConfigException.invalid(
              key, "scheme must be socks5, socks5h or http (got '" + scheme + "')");
    }
    if (uri.getHost() == null || uri.getHost().isBlank()) {
      throw ConfigException.invalid(key, "has no host (expected socks5://user:pass@host:port)");
    }
    String user = null;
    Secret pass = null;
    if (uri.getRawUserInfo() != null) {
      String[] parts = uri.getRawUserInfo().split(":", 2);
      user = decode(parts[0]);
      pass = parts.length > 1 ? Secret.of(decode(parts[1])) : null;
    }
    int port = uri.getPort() > 0 ? uri.getPort() : defaultPort;
    return new ProxySettings(type, uri.getHost(), port, user, pass, remoteDns);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  /** A loggable form: credentials masked. */
  @Override
  public String toString() {
    String scheme = type == ConnectionMode.HTTP ? "http" : resolveAtProxy ? "socks5h" : "socks5";
    String auth = username == null ? "" : username + ":****@";
    return scheme + "://" + auth + host + ":" + port;
  }
}
