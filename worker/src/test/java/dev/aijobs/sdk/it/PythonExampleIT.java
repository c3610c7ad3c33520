package dev.aijobs.sdk.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.aijobs.testkit.MockUpstream;
import dev.aijobs.worker.Worker;
import dev.aijobs.worker.it.ItBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runs examples/python/demo_async.py (the aijobs package from clients/python/src, on aio-pika)
 * against an in-process worker and the broker.
 */
class PythonExampleIT {
  private static final String PYTHON = Python.PYTHON;
  private static final Path EXAMPLES = Path.of("..", "examples", "python").toAbsolutePath();
  private static final Path PACKAGE_SRC =
      Path.of("..", "clients", "python", "src").toAbsolutePath().normalize();

  @Test
  void asyncioExampleSubmitsAndStreamsThroughTheRealWorker() throws Exception {
    requireAioPika();
    String queue = SdkEnv.replyQueue("python");
    try (MockUpstream upstream = MockUpstream.start();
        Worker worker = SdkEnv.startWorker(upstream)) {
      await().atMost(Duration.ofSeconds(10)).until(worker::isReady);
      Python.Result run =
          run(
              List.of(
                  PYTHON,
                  EXAMPLES.resolve("demo_async.py").toString(),
                  "--url",
                  ItBroker.uri(),
                  "--provider",
                  "mock",
                  "--model",
                  "mock-model",
                  "--stream-model",
                  "s;mock:tokens=12;mock:token-interval=10",
                  "--count",
                  "3",
                  "--timeout",
                  "30",
                  "--reply-queue",
                  queue,
                  "--expires",
                  "300"),
              Duration.ofSeconds(90));
      assertThat(run.exit()).as("exit status; stderr:%n%s", run.stderr()).isZero();
      assertThat(run.stdout())
          .contains("result 0: echo: question 0")
          .contains("result 1: echo: question 1")
          .contains("result 2: echo: question 2")
          .contains("stream result: t0 t1 t2 t3 t4 t5 t6 t7 t8 t9 t10 t11")
          .contains("stream chunks match: True");
      assertThat(run.stderr()).contains("chunk 0:");
    } finally {
      SdkEnv.delete(queue);
    }
  }

  /** Fails (never skips) when the Debian package is missing. */
  private static void requireAioPika() throws Exception {
    Python.Result check = run(List.of(PYTHON, "-c", "import aio_pika"), Duration.ofSeconds(30));
    if (check.exit() != 0) {
      fail(
          "aio-pika is not installed for "
              + PYTHON
              + ": run `apt-get install -y python3-aio-pika` (scripts/test-setup.sh does)."
              + " stderr: "
              + check.stderr());
    }
  }

  private static Python.Result run(List<String> command, Duration timeout) throws Exception {
    return Python.run(
        command, EXAMPLES, java.util.Map.of("PYTHONPATH", PACKAGE_SRC.toString()), timeout);
  }
}
