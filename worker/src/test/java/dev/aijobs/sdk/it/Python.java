package dev.aijobs.sdk.it;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs Debian's {@code /usr/bin/python3} for the Python integration tests, output captured. */
final class Python {
  static final String PYTHON = "/usr/bin/python3";

  /** Exit status and output of one run. */
  record Result(int exit, String stdout, String stderr) {}

  private Python() {}

  /** Runs {@code command} in {@code dir} with {@code env} added; fails past {@code timeout}. */
  static Result run(List<String> command, Path dir, Map<String, String> env, Duration timeout)
      throws Exception {
    Path out = Files.createTempFile("aijobs-py-", ".out");
    Path err = Files.createTempFile("aijobs-py-", ".err");
    try {
      ProcessBuilder pb =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      pb.environment().putAll(env);
      pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
      Process p;
      try {
        p = pb.start();
      } catch (IOException e) {
        throw new AssertionError(PYTHON + " cannot be started: install python3", e);
      }
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        fail(
            "python did not finish within "
                + timeout
                + "; output: "
                + Files.readString(out)
                + Files.readString(err));
      }
      return new Result(
          p.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
