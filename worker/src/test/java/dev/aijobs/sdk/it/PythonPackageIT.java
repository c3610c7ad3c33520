package dev.aijobs.sdk.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.aijobs.testkit.MockUpstream;
import dev.aijobs.worker.Worker;
import dev.aijobs.worker.it.ItBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * The Python package (clients/python): runs its pytest suite against an in-process worker on the
 * mock upstream and this class's broker vhost, and builds its wheel without any download.
 */
class PythonPackageIT {
  private static final String PYTHON = Python.PYTHON;
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  private static final Path PACKAGE = REPO.resolve("clients").resolve("python");

  @Test
  void pytestSuitePassesAgainstTheRealWorker() throws Exception {
    require(
        "import aio_pika, pytest, pytest_asyncio",
        "python3-aio-pika python3-pytest python3-pytest-asyncio");
    try (MockUpstream upstream = MockUpstream.start()) {
      Map<String, String> env = new HashMap<>(SdkEnv.workerEnv(upstream));
      env.put("AIJOBS_RETRY_BASE_DELAY", "50ms");
      try (Worker worker = SdkEnv.startWorker(env)) {
        await().atMost(Duration.ofSeconds(10)).until(worker::isReady);
        Python.Result run =
            run(
                List.of(
                    PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "clients/python/tests"),
                Map.of("AIJOBS_TEST_AMQP_URL", ItBroker.uri(), "AIJOBS_TEST_PROVIDER", "mock"),
                Duration.ofMinutes(5));
        System.out.println("pytest clients/python/tests:\n" + run.stdout() + run.stderr());
        assertThat(run.exit())
            .as("pytest exit status; output:%n%s%s", run.stdout(), run.stderr())
            .isZero();
        assertThat(run.stdout())
            .contains(" passed")
            .doesNotContain("failed")
            .doesNotContain("skipped");
      }
    }
  }

  @Test
  void wheelBuildsOffline() throws Exception {
    require("import setuptools, wheel, pip", "python3-setuptools python3-wheel python3-pip");
    Path work = Files.createTempDirectory("aijobs-wheel-");
    try {
      // A copy, so that the build leaves no build/ or *.egg-info in the checkout.
      Path src = work.resolve("src");
      copy(PACKAGE, src);
      Path out = work.resolve("dist");
      Python.Result run =
          run(
              List.of(
                  PYTHON,
                  "-m",
                  "pip",
                  "wheel",
                  "--no-deps",
                  "--no-build-isolation",
                  "--no-index",
                  "-q",
                  "-w",
                  out.toString(),
                  src.toString()),
              Map.of("PIP_NO_INPUT", "1", "PIP_DISABLE_PIP_VERSION_CHECK", "1"),
              Duration.ofMinutes(3));
      assertThat(run.exit()).as("pip wheel; output:%n%s%s", run.stdout(), run.stderr()).isZero();
      Path wheel = out.resolve("aijobs-0.1.0-py3-none-any.whl");
      assertThat(wheel).exists();
      try (ZipFile zip = new ZipFile(wheel.toFile())) {
        assertThat(zip.getEntry("aijobs/__init__.py")).isNotNull();
        assertThat(zip.getEntry("aijobs/client.py")).isNotNull();
        assertThat(zip.getEntry("aijobs/py.typed")).as("typed package marker").isNotNull();
        String metadata =
            new String(
                zip.getInputStream(zip.getEntry("aijobs-0.1.0.dist-info/METADATA")).readAllBytes(),
                StandardCharsets.UTF_8);
        assertThat(metadata).contains("Requires-Dist: aio-pika");
      }
      System.out.println("built " + wheel.getFileName());
    } finally {
      delete(work);
    }
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        Path rel = from.relativize(p);
        if (rel.toString().contains("__pycache__") || rel.toString().contains(".egg-info")) {
          continue;
        }
        Path target = to.resolve(rel.toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Fails (never skips) when a Debian package is missing. */
  private static void require(String imports, String packages) throws Exception {
    Python.Result check = run(List.of(PYTHON, "-c", imports), Map.of(), Duration.ofSeconds(30));
    if (check.exit() != 0) {
      fail(
          "missing for "
              + PYTHON
              + ": run `apt-get install -y "
              + packages
              + "` (scripts/test-setup.sh does). stderr: "
              + check.stderr());
    }
  }

  private static Python.Result run(List<String> command, Map<String, String> env, Duration timeout)
      throws Exception {
    return Python.run(command, REPO, env, timeout);
  }
}
