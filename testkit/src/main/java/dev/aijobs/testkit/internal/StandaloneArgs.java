package dev.aijobs.testkit.internal;

import java.util.Set;

/**
 * Command-line flags of the standalone mock upstream.
 *
 * @param host the address to bind
 * @param port the port to bind
 * @param latencyMillis the base latency in milliseconds
 * @param jitterMillis the upper bound of the random extra latency in milliseconds
 * @param ioThreads event-loop threads, 0 for the default
 * @param tls whether to serve HTTPS with a self-signed certificate
 * @param help whether usage was asked for
 */
public record StandaloneArgs(
    String host,
    int port,
    long latencyMillis,
    long jitterMillis,
    int ioThreads,
    boolean tls,
    boolean help) {

  /** Port used when {@code --port} is not given. */
  public static final int DEFAULT_PORT = 8089;

  /** Address used when {@code --host} is not given. */
  public static final String DEFAULT_HOST = "127.0.0.1";

  /** The usage text. */
  public static final String USAGE =
      "usage: java -jar aijobs-mock-upstream.jar [--port N (default 8089)]"
          + " [--host H (default 127.0.0.1)] [--latency-ms N] [--jitter-ms N] [--io-threads N] [--tls]";

  private static final Set<String> KNOWN_FLAGS =
      Set.of(
          "--host",
          "--port",
          "--latency-ms",
          "--jitter-ms",
          "--io-threads",
          "--tls",
          "--help",
          "-h");

  /**
   * Parses the flags.
   *
   * @param args the command line
   * @return the flags, defaults filled in
   * @throws IllegalArgumentException naming the flag when one is unknown, lacks a value or has a
   *     bad value
   */
  public static StandaloneArgs parse(String... args) {
    StandaloneArgs parsed = new StandaloneArgs(DEFAULT_HOST, DEFAULT_PORT, 0, 0, 0, false, false);
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (!KNOWN_FLAGS.contains(flag)) {
        throw new IllegalArgumentException("unknown flag " + flag);
      }
      if (flag.equals("--help") || flag.equals("-h") || flag.equals("--tls")) {
        parsed = parsed.with(flag, "true");
      } else {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(flag + " needs a value");
        }
        parsed = parsed.with(flag, args[++i]);
      }
    }
    return parsed;
  }

  private StandaloneArgs with(String flag, String value) {
    String h = host;
    int p = port;
    long latency = latencyMillis;
    long jitter = jitterMillis;
    int threads = ioThreads;
    boolean t = tls;
    boolean usage = help;
    switch (flag) {
      case "--host" -> h = value;
      case "--port" -> p = (int) number(flag, value, 65535);
      case "--latency-ms" -> latency = number(flag, value, Long.MAX_VALUE);
      case "--jitter-ms" -> jitter = number(flag, value, Long.MAX_VALUE);
      case "--io-threads" -> threads = (int) number(flag, value, 1024);
      case "--tls" -> t = true;
      case "--help", "-h" -> usage = true;
      default -> throw new IllegalArgumentException("unknown flag " + flag);
    }
    return new StandaloneArgs(h, p, latency, jitter, threads, t, usage);
  }

  private static long number(String flag, String value, long max) {
    try {
      long parsed = Long.parseLong(value);
      if (parsed >= 0 && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below with the flag's name
    }
    throw new IllegalArgumentException(
        flag + " needs an integer in [0, " + max + "], got " + value);
  }
}
