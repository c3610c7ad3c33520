package dev.aijobs.worker.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The worker started as a separate process, as operators run it: by its launcher {@code
 * bin/aijobs-worker} (which execs java, so this process is the JVM and receives the signals).
 */
final class WorkerProcess implements AutoCloseable {
  static final Path JAR = Path.of("target", "aijobs-worker.jar");
  static final Path LAUNCHER = Path.of("bin", "aijobs-worker");

  private final Process process;
  private final int httpPort;
  private final Path log;

  private WorkerProcess(Process process, int httpPort, Path log) {
    this.process = process;
    this.httpPort = httpPort;
    this.log = log;
  }

  static WorkerProcess start(String name, Map<String, String> env) throws IOException {
    return start(name, env, "-Xmx256m");
  }

  /**
   * Starts the worker with {@code javaOpts} as its JAVA_OPTS (added to the launcher's defaults).
   */
  static WorkerProcess start(String name, Map<String, String> env, String javaOpts)
      throws IOException {
    if (!Files.exists(JAR)) {
      throw new IllegalStateException(
          JAR.toAbsolutePath() + " is missing: run ./mvnw verify (package builds it)");
    }
    int port = freePort();
    Path log = Path.of("target", "it-" + name + ".log");
    ProcessBuilder pb = launcher();
    pb.environment().put("JAVA_OPTS", javaOpts);
    // No start-up warm-up unless a test asks for one: each process would pay it at its start.
    pb.environment().put("AIJOBS_WARM_UP_JOBS", "0");
    pb.environment().putAll(env);
    pb.environment().put("AIJOBS_HTTP_PORT", String.valueOf(port));
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    return new WorkerProcess(pb.start(), port, log);
  }

  /** The launcher with this JVM's Java, to run with arguments of the caller's. */
  static ProcessBuilder launcher(String... args) {
    java.util.List<String> cmd = new java.util.ArrayList<>();
    cmd.add(LAUNCHER.toString());
    cmd.addAll(java.util.List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    return pb;
  }

  /** Whether {@code /health/ready} answers 200. */
  boolean isReady() {
    try {
      HttpResponse<Void> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + httpPort + "/health/ready"))
                      .timeout(Duration.ofSeconds(2))
                      .build(),
                  HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGTERM: the worker drains and stops. */
  void terminate() {
    process.destroy();
  }

  /** SIGINT (Ctrl-C): the worker drains and stops as on SIGTERM. */
  void interrupt() throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-INT", String.valueOf(process.pid())).start();
    if (kill.waitFor() != 0) {
      throw new IllegalStateException("kill -INT " + process.pid() + " failed");
    }
  }

  /** SIGKILL: the worker dies on the spot. */
  void kill() {
    process.destroyForcibly();
  }

  int waitForExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("worker did not exit within " + timeout + "; log: " + log);
    }
    return process.exitValue();
  }

  String log() throws IOException {
    return Files.readString(log);
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
