package dev.aijobs.worker.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;

/** The real SOCKS5 servers (Debian's dante) that {@code scripts/dante.sh} starts on loopback. */
final class Dante {
  static final int PORT = intEnv("AIJOBS_DANTE_PORT", 11080);
  static final int AUTH_PORT = intEnv("AIJOBS_DANTE_AUTH_PORT", 11081);
  static final String USER = env("AIJOBS_DANTE_USER", "aijobs-socks");
  static final String PASSWORD = env("AIJOBS_DANTE_PASSWORD", "aijobs-socks-pw");
  private static final Path DIR = Path.of("/tmp/aijobs-dante");

  private Dante() {}

  /** Fails with how to start dante when it is not listening. */
  static void requireRunning() {
    for (int port : new int[] {PORT, AUTH_PORT}) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      } catch (IOException e) {
        throw new IllegalStateException(
            "no dante SOCKS5 server on 127.0.0.1:"
                + port
                + ": run scripts/dante.sh (as root; it"
                + " installs dante-server) or scripts/test-setup.sh");
      }
    }
  }

  static String noAuthUrl() {
    return "socks5://127.0.0.1:" + PORT;
  }

  static String authUrl() {
    return "socks5://" + USER + ":" + PASSWORD + "@127.0.0.1:" + AUTH_PORT;
  }

  /** Dante's log of tunnels (no-auth or auth instance). */
  static String log(boolean auth) throws IOException {
    return Files.readString(DIR.resolve(auth ? "auth.log" : "noauth.log"));
  }

  private static String env(String key, String def) {
    String v = System.getenv(key);
    return v == null || v.isBlank() ? def : v;
  }

  private static int intEnv(String key, int def) {
    return Integer.parseInt(env(key, String.valueOf(def)));
  }
}
