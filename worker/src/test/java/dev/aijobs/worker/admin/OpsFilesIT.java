package dev.aijobs.worker.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Checks the ops files with the real tools: {@code promtool} (Debian package {@code prometheus})
 * validates the alert rules and runs their unit tests, {@code docker-compose} (Debian package
 * {@code docker-compose}) validates the compose file. A missing tool fails the test with the
 * command that installs it; scripts/test-setup.sh installs both.
 */
class OpsFilesIT {
  private static final Path ROOT = RepoFiles.root();

  private record Result(int code, String output) {}

  private static Result run(List<String> command) throws IOException, InterruptedException {
    String tool = command.get(0);
    if (!onPath(tool)) {
      throw new AssertionError(
          tool
              + " is not installed: run scripts/test-setup.sh, or apt-get install -y "
              + (tool.equals("promtool") ? "prometheus" : "docker-compose"));
    }
    Process process =
        new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true).start();
    process.getOutputStream().close();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish in 120 s");
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(process.exitValue(), output);
  }

  private static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  private static List<String> files(String dir, String glob) throws IOException {
    List<String> files = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(ROOT.resolve(dir), glob)) {
      stream.forEach(p -> files.add(ROOT.relativize(p).toString()));
    }
    assertThat(files).as("files %s in %s", glob, dir).isNotEmpty();
    return files;
  }

  @Test
  void alertRulesAreValid() throws Exception {
    List<String> command = new ArrayList<>(List.of("promtool", "check", "rules"));
    command.addAll(files("ops/prometheus/rules", "*.yml"));

    Result result = run(command);

    assertThat(result.code()).as(result.output()).isZero();
  }

  @Test
  void alertRuleUnitTestsPass() throws Exception {
    List<String> command = new ArrayList<>(List.of("promtool", "test", "rules"));
    command.addAll(files("ops/prometheus/tests", "*.yml"));

    Result result = run(command);

    assertThat(result.code()).as(result.output()).isZero();
    assertThat(result.output()).contains("SUCCESS").doesNotContain("FAILED");
  }

  @Test
  void prometheusConfigIsValid() throws Exception {
    Result result =
        run(
            List.of(
                "promtool", "check", "config", "--syntax-only", "ops/prometheus/prometheus.yml"));

    assertThat(result.code()).as(result.output()).isZero();
  }

  @Test
  void composeFileIsValidWithAndWithoutTheDemoProfile() throws Exception {
    Result plain = run(List.of("docker-compose", "-f", "docker-compose.yml", "config", "-q"));
    assertThat(plain.code()).as(plain.output()).isZero();

    Result demo =
        run(
            List.of(
                "docker-compose",
                "-f",
                "docker-compose.yml",
                "--profile",
                "demo",
                "config",
                "--services"));
    assertThat(demo.code()).as(demo.output()).isZero();
    assertThat(demo.output().lines())
        .contains(
            "rabbitmq", "worker-1", "worker-2", "prometheus", "grafana", "mock-upstream", "socks5");
  }
}
