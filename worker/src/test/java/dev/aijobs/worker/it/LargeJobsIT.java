package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aijobs.testkit.MockUpstream;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Memory bounded in bytes: at the shipped Kubernetes settings (500 jobs in flight, heap 75% of 768
 * MB), a backlog of 600 jobs of about 900 KB each (long chat histories, under the 1 MiB body limit)
 * is answered by one worker process that stays up: deliveries pause while the jobs held exceed the
 * byte budget, so the backlog waits in the broker.
 */
class LargeJobsIT {
  private static final int JOBS = 600;
  private static final int HISTORY_CHARS = 900 * 1024;

  @Test
  void aBacklogOfLargeJobsIsAnsweredByOneWorkerThatStaysUp() throws Exception {
    BotSide.resetQueues();
    try (MockUpstream upstream =
            MockUpstream.start(
                MockUpstream.Options.builder().latency(Duration.ofMillis(200)).build());
        BotSide bot = new BotSide()) {
      String history = "lorem ipsum ".repeat(HISTORY_CHARS / 12);
      for (int i = 0; i < JOBS; i++) {
        ObjectNode job = BotSide.job("large-" + i, "mock", "m;mock:tokens=3", history);
        job.put("deadline_ms", System.currentTimeMillis() + 600_000);
        bot.publish(job);
      }
      Map<String, String> env = Workers.env(upstream);
      env.put("AIJOBS_MAX_IN_FLIGHT", "500");
      env.put("AIJOBS_DEFAULT_JOB_TIMEOUT", "600s");
      try (WorkerProcess worker =
          WorkerProcess.start("large-jobs", env, "-XX:MaxRAMPercentage=75 -Xmx576m")) {
        await()
            .atMost(Duration.ofMinutes(5))
            .until(() -> bot.answeredIds() == JOBS || !worker.isAlive());
        assertThat(worker.isAlive()).as("the worker stays up; log: " + worker.log()).isTrue();
        for (int i = 0; i < JOBS; i++) {
          JsonNode r = bot.result("large-" + i);
          assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
        }
        assertThat(worker.log()).contains("pausing deliveries");
      }
    }
  }
}
