package dev.aijobs.testkit.internal;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Runs the local {@code rabbitmqctl} with a timeout. Thread-safe. */
public final class Rabbitmqctl {

  /** Where Debian installs it when it is not on the {@code PATH}. */
  public static final Path FALLBACK = Path.of("/usr/sbin/rabbitmqctl");

  private Rabbitmqctl() {}

  /**
   * Finds the executable.
   *
   * @param pathVariable the value of {@code PATH}, may be null
   * @return the first executable {@code rabbitmqctl} on the path, else {@link #FALLBACK} if
   *     executable
   */
  public static Optional<Path> locate(String pathVariable) {
    if (pathVariable != null) {
      for (String dir : pathVariable.split(File.pathSeparator)) {
        Path candidate = Path.of(dir.isEmpty() ? "." : dir, "rabbitmqctl");
        if (Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Files.isExecutable(FALLBACK) ? Optional.of(FALLBACK) : Optional.empty();
  }

  /**
   * Runs {@code rabbitmqctl ARGS...} and waits for it.
   *
   * @param timeout how long it may run before it is killed
   * @param args the arguments, e.g. {@code "list_connections", "name"}
   * @return its standard output
   * @throws IllegalStateException when it is missing, times out or exits non-zero (with its
   *     standard error in the message)
   */
  public static String run(Duration timeout, String... args) {
    Path executable =
        locate(System.getenv("PATH"))
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "rabbitmqctl is neither on PATH nor at "
                            + FALLBACK
                            + "; install it with 'apt-get install -y rabbitmq-server'"));
    List<String> command = new ArrayList<>();
    command.add(executable.toString());
    command.addAll(List.of(args));
    try {
      return execute(command, timeout);
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + command + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command, e);
    }
  }

  /** Output goes to files so a chatty process can never block on a full pipe. */
  private static String execute(List<String> command, Duration timeout)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("rabbitmqctl-", ".out");
    Path err = Files.createTempFile("rabbitmqctl-", ".err");
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      process.getOutputStream().close();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
        throw new IllegalStateException(command + " did not finish within " + timeout);
      }
      String stdout = Files.readString(out, StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        throw new IllegalStateException(
            command
                + " exited with "
                + process.exitValue()
                + ": "
                + Files.readString(err, StandardCharsets.UTF_8).strip());
      }
      return stdout;
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
