package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aijobs.testkit.MockUpstream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher {@code bin/aijobs-worker} as operators run it: its command line, its JVM defaults
 * and {@code JAVA_OPTS}, exit codes, and the JSON log format.
 */
class LauncherIT {
  private static final String SECRET = "sk-it-secret-4f1c2e";

  @TempDir Path dir;

  record Run(int exit, String out, String err) {}

  @Test
  void helpAndVersionPrintAndExitZero() throws Exception {
    Run help = run(Map.of(), "--help");
    assertThat(help.exit()).isZero();
    assertThat(help.out()).contains("usage: aijobs-worker").contains("exit codes");
    assertThat(help.err()).isEmpty();

    Run version = run(Map.of(), "--version");
    assertThat(version.exit()).isZero();
    assertThat(version.out()).matches("aijobs-worker \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\R");
  }

  @Test
  void unknownArgumentPrintsUsageAndExitsTwo() throws Exception {
    Run r = run(Map.of(), "--port", "9090");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("unknown argument '--port'").contains("usage: aijobs-worker");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void queueToolSubcommandsStay() throws Exception {
    Run r = run(Map.of(), "queues", "--help");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("dead replay").contains("stats");
    assertThat(run(Map.of(), "queues", "nonsense").exit()).isEqualTo(2);
  }

  @Test
  void javaOptsAddToTheDefaults() throws Exception {
    Run r =
        run(Map.of("JAVA_OPTS", "-XX:+PrintCommandLineFlags -XX:MaxRAMPercentage=40"), "--version");
    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .contains("-XX:+UseSerialGC")
        .contains("-XX:+ExitOnOutOfMemoryError")
        .contains("-XX:MaxRAMPercentage=40");
  }

  /** The memory the JVM sizes its heap from here (the container's limit, else the machine's). */
  private static long memoryMb() {
    return ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean())
            .getTotalMemorySize()
        >> 20;
  }

  @Test
  void aHeapOfHalfAGigabyteOrMoreGetsTheFixedYoungGeneration() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(memoryMb() * 75 / 100 >= 512, "a large heap");
    Run r = run(Map.of("JAVA_OPTS", "-XX:+PrintCommandLineFlags"), "--version");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("-XX:NewSize=268435456").contains("-XX:SurvivorRatio=4");
  }

  @Test
  void aSmallOrOperatorSizedHeapKeepsTheJvmsOwnYoungGeneration() throws Exception {
    for (String opts :
        new String[] {
          "-Xmx64m -XX:+PrintCommandLineFlags",
          "-XX:NewRatio=3 -XX:+PrintCommandLineFlags",
          "-XX:+UseParallelGC -XX:+PrintCommandLineFlags"
        }) {
      Run r = run(Map.of("JAVA_OPTS", opts), "--version");
      assertThat(r.exit()).as(opts + ": " + r.err()).isZero();
      assertThat(r.out()).as(opts).doesNotContain("NewSize=268435456").doesNotContain("warning");
      assertThat(r.err()).as(opts).doesNotContain("warning");
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(memoryMb() / 100 < 512, "1% of memory is small");
    Run r =
        run(Map.of("JAVA_OPTS", "-XX:MaxRAMPercentage=1 -XX:+PrintCommandLineFlags"), "--version");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).doesNotContain("NewSize=268435456").doesNotContain("warning");
  }

  @Test
  void aCollectorInJavaOptsReplacesTheDefaultOne() throws Exception {
    Run r = run(Map.of("JAVA_OPTS", "-XX:+UseG1GC -XX:+PrintCommandLineFlags"), "--version");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("-XX:+UseG1GC").doesNotContain("-XX:+UseSerialGC");
  }

  @Test
  void badConfigurationExitsTwoNamingTheKey() throws Exception {
    Run r = run(Map.of("AIJOBS_MAX_IN_FLIGHT", "lots", "OPENROUTER_API_KEY", SECRET));
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("AIJOBS_MAX_IN_FLIGHT").doesNotContain(SECRET);
  }

  @Test
  void jsonLogsNameTheFailedJobAndNoSecret() throws Exception {
    BotSide.resetQueues();
    try (MockUpstream upstream = MockUpstream.start();
        BotSide bot = new BotSide()) {
      Map<String, String> env = Workers.env(upstream);
      env.put("AIJOBS_LOG_FORMAT", "json");
      env.put("AIJOBS_PROVIDER_MOCK_API_KEY", SECRET);
      try (WorkerProcess worker = WorkerProcess.start("json-logs", env)) {
        await().atMost(Duration.ofSeconds(30)).until(worker::isReady);
        bot.publish(BotSide.job("json-1", "mock", "m;mock:status=400", "hi"));
        await().atMost(Duration.ofSeconds(20)).until(() -> bot.result("json-1") != null);
        JsonNode result = bot.result("json-1");
        assertThat(result.path("status").asText()).isEqualTo("error");
        worker.terminate();
        assertThat(worker.waitForExit(Duration.ofSeconds(30))).isZero();

        List<JsonNode> lines = new ArrayList<>();
        for (String line : worker.log().split("\\R")) {
          if (!line.isEmpty()) {
            lines.add(BotSide.JSON.readTree(line)); // every line is one JSON object
          }
        }
        assertThat(lines).allSatisfy(l -> assertThat(l.isObject()).isTrue());
        assertThat(worker.log()).doesNotContain(SECRET);
        JsonNode failed =
            lines.stream()
                .filter(l -> l.path("formattedMessage").asText().startsWith("job json-1 failed"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no failure line in " + lines));
        Map<String, String> kv = keyValues(failed);
        assertThat(kv)
            .containsEntry("job_id", "json-1")
            .containsEntry("provider", "mock")
            .containsEntry("model", "m;mock:status=400")
            .containsEntry("code", result.path("error").path("code").asText())
            .containsEntry("attempts", String.valueOf(result.path("attempts").size()));
        assertThat(failed.path("level").asText()).isEqualTo("WARN");
      }
    }
  }

  /** The key-value pairs of a logback JSON line ({@code kvpList}). */
  private static Map<String, String> keyValues(JsonNode line) {
    Map<String, String> kv = new HashMap<>();
    JsonNode list = line.path("kvpList");
    List<JsonNode> entries = new ArrayList<>();
    if (list.isArray()) {
      list.forEach(entries::add);
    } else {
      entries.add(list);
    }
    for (JsonNode e : entries) {
      e.properties().forEach(f -> kv.put(f.getKey(), f.getValue().asText()));
    }
    return kv;
  }

  private Run run(Map<String, String> env, String... args) throws Exception {
    ProcessBuilder pb = WorkerProcess.launcher(args);
    pb.environment().keySet().removeIf(k -> k.startsWith("AIJOBS_") || k.endsWith("_API_KEY"));
    pb.environment().put("JAVA_OPTS", "-Xmx64m");
    pb.environment().putAll(env);
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("launcher did not exit: " + List.of(args));
    }
    return new Run(p.exitValue(), read(out), read(err));
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file);
  }
}
