package dev.aijobs.testkit.internal;

import dev.aijobs.testkit.MockUpstream;
import dev.aijobs.testkit.TrustStore;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/** The standalone mock upstream process: parse flags, start, print the URL, run until killed. */
public final class StandaloneMain {

  private StandaloneMain() {}

  /**
   * Runs the server until the JVM is asked to stop; bad flags print the usage and exit with 2.
   *
   * @param args the command line
   */
  public static void run(String[] args) {
    StandaloneArgs parsed;
    try {
      parsed = StandaloneArgs.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(StandaloneArgs.USAGE);
      System.exit(2);
      return;
    }
    if (parsed.help()) {
      System.out.println(StandaloneArgs.USAGE);
      return;
    }
    MockUpstream upstream = MockUpstream.start(options(parsed));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  upstream.close();
                  stopped.countDown();
                },
                "mock-upstream-shutdown"));
    System.out.println("mock upstream listening on " + upstream.baseUrl());
    if (upstream.isTls()) {
      TrustStore trust = upstream.trustStore();
      System.out.println(
          "trust store " + trust.path() + " (PKCS12, password " + trust.password() + ")");
    }
    System.out.flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static MockUpstream.Options options(StandaloneArgs args) {
    MockUpstream.Options.Builder builder =
        MockUpstream.Options.builder()
            .host(args.host())
            .port(args.port())
            .latency(Duration.ofMillis(args.latencyMillis()))
            .latencyJitter(Duration.ofMillis(args.jitterMillis()))
            .tls(args.tls());
    if (args.ioThreads() > 0) {
      builder.ioThreads(args.ioThreads());
    }
    return builder.build();
  }
}
