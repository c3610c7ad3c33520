package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aijobs.testkit.MockUpstream;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Worker processes killed or stopped with jobs in flight lose no job. */
class ProcessLifecycleIT {
  private static final int JOBS = 100;

  @BeforeEach
  void reset() throws Exception {
    BotSide.resetQueues();
  }

  @Test
  void sigkillWithJobsInFlightLosesNone() throws Exception {
    try (MockUpstream upstream = slowUpstream(Duration.ofMillis(1500));
        BotSide bot = new BotSide()) {
      Map<String, String> env = Workers.env(upstream);
      try (WorkerProcess first = WorkerProcess.start("sigkill-first", env)) {
        await().atMost(Duration.ofSeconds(30)).until(first::isReady);
        publishJobs(bot, "kill");
        await().atMost(Duration.ofSeconds(10)).until(() -> upstream.requestCount() >= JOBS / 2);
        first.kill();
        first.waitForExit(Duration.ofSeconds(10));
      }
      assertThat(bot.answeredIds()).as("answers before the kill").isZero();
      try (WorkerProcess second = WorkerProcess.start("sigkill-second", env)) {
        await().atMost(Duration.ofSeconds(60)).until(() -> bot.answeredIds() == JOBS);
        assertThat(second.isAlive()).isTrue();
        assertAllOk(bot, "kill");
      }
    }
  }

  @Test
  void sigtermDrainsInFlightJobsBeforeExiting() throws Exception {
    try (MockUpstream upstream = slowUpstream(Duration.ofMillis(1000));
        BotSide bot = new BotSide()) {
      Map<String, String> env = Workers.env(upstream);
      try (WorkerProcess worker = WorkerProcess.start("sigterm-drain", env)) {
        await().atMost(Duration.ofSeconds(30)).until(worker::isReady);
        publishJobs(bot, "drain");
        await().atMost(Duration.ofSeconds(10)).until(() -> upstream.requestCount() >= JOBS / 2);
        worker.terminate();
        assertThat(worker.waitForExit(Duration.ofSeconds(30)))
            .as("exit code after SIGTERM and a complete drain")
            .isZero();
        // Every job it had taken was finished and answered, none handed back.
        assertThat(worker.log()).contains("worker stopped").contains("drained; 0 jobs requeued");
      }
      long answered = upstream.requestCount();
      // Jobs it had not taken yet are still queued: the next worker answers them.
      try (WorkerProcess next = WorkerProcess.start("sigterm-drain-next", env)) {
        await().atMost(Duration.ofSeconds(60)).until(() -> bot.answeredIds() == JOBS);
        assertThat(next.isAlive()).isTrue();
      }
      assertThat(answered).isGreaterThanOrEqualTo(JOBS / 2);
      assertAllOk(bot, "drain");
      assertThat(bot.resultCount()).as("no job answered twice").isEqualTo(JOBS);
    }
  }

  @Test
  void sigintPastTheDrainTimeoutRequeuesForTheNextWorker() throws Exception {
    try (MockUpstream upstream = slowUpstream(Duration.ofMillis(3000));
        BotSide bot = new BotSide()) {
      Map<String, String> env = Workers.env(upstream);
      env.put("AIJOBS_DRAIN_TIMEOUT", "200ms");
      try (WorkerProcess first = WorkerProcess.start("sigterm-requeue-first", env)) {
        await().atMost(Duration.ofSeconds(30)).until(first::isReady);
        publishJobs(bot, "requeue");
        await().atMost(Duration.ofSeconds(10)).until(() -> upstream.requestCount() >= JOBS / 2);
        first.interrupt(); // SIGINT (Ctrl-C) stops a worker as SIGTERM does
        assertThat(first.waitForExit(Duration.ofSeconds(30)))
            .as("exit code after SIGINT, jobs past the drain timeout requeued")
            .isZero();
        assertThat(first.log()).contains("jobs requeued for other workers");
      }
      try (WorkerProcess second = WorkerProcess.start("sigterm-requeue-second", env)) {
        await().atMost(Duration.ofSeconds(60)).until(() -> bot.answeredIds() == JOBS);
        assertThat(second.isAlive()).isTrue();
        assertAllOk(bot, "requeue");
      }
    }
  }

  private static MockUpstream slowUpstream(Duration latency) {
    return MockUpstream.start(MockUpstream.Options.builder().latency(latency).build());
  }

  private static void publishJobs(BotSide bot, String prefix) throws Exception {
    for (int i = 0; i < JOBS; i++) {
      bot.publish(BotSide.job(prefix + "-" + i, "mock", "m", prefix + " " + i));
    }
  }

  /**
   * Every job has results, all ok with its own answer; duplicates (redelivery) carry the same id.
   */
  private static void assertAllOk(BotSide bot, String prefix) {
    for (int i = 0; i < JOBS; i++) {
      String id = prefix + "-" + i;
      for (BotSide.Reply r : bot.replies(id)) {
        JsonNode body = r.body();
        assertThat(body.path("id").asText()).isEqualTo(id);
        assertThat(body.path("status").asText()).as(id).isEqualTo("ok");
        assertThat(body.path("completion").path("content").asText())
            .isEqualTo("echo: " + prefix + " " + i);
      }
    }
  }
}
