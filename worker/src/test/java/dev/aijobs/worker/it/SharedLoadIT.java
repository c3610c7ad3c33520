package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aijobs.testkit.MockUpstream;
import dev.aijobs.worker.Worker;
import dev.aijobs.worker.metrics.WorkerMetrics;
import io.micrometer.core.instrument.search.Search;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Competing workers share one queue; a stopped worker leaves no connection and no thread behind.
 */
class SharedLoadIT {

  @Test
  void thousandJobsAcrossTwoWorkersAreEachAnsweredExactlyOnceAndNothingLeaks() throws Exception {
    BotSide.resetQueues();
    int jobs = 1000;
    try (MockUpstream upstream =
            MockUpstream.start(
                MockUpstream.Options.builder().latency(Duration.ofMillis(20)).build());
        BotSide bot = new BotSide()) {
      Worker a = Workers.start(upstream);
      Worker b = Workers.start(upstream);
      try {
        await().atMost(Duration.ofSeconds(10)).until(() -> a.isReady() && b.isReady());
        for (int i = 0; i < jobs; i++) {
          bot.publish(BotSide.job("load-" + i, "mock", "m", "job " + i));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> bot.answeredIds() == jobs);
        // Settle: every job acked, no straggling duplicate on its way.
        await().atMost(Duration.ofSeconds(10)).until(() -> a.inFlight() == 0 && b.inFlight() == 0);

        assertThat(bot.resultCount()).isEqualTo(jobs);
        for (int i = 0; i < jobs; i++) {
          assertThat(bot.result("load-" + i).path("completion").path("content").asText())
              .isEqualTo("echo: job " + i);
        }
        double byA = completed(a);
        double byB = completed(b);
        assertThat(byA + byB).isEqualTo(jobs);
        assertThat(byA).as("jobs answered by worker A").isPositive();
        assertThat(byB).as("jobs answered by worker B").isPositive();
        assertThat(upstream.requestCount()).isEqualTo(jobs);
      } finally {
        a.close();
        b.close();
      }
      assertThat(a.openHttpConnections()).isZero();
      assertThat(b.openHttpConnections()).isZero();
      await().atMost(Duration.ofSeconds(10)).until(() -> workerThreads().isEmpty());
      await().atMost(Duration.ofSeconds(10)).until(() -> upstream.openConnections() == 0);
    }
  }

  private static double completed(Worker w) {
    return Search.in(w.registry()).name(WorkerMetrics.JOBS_COMPLETED).counters().stream()
        .mapToDouble(c -> c.count())
        .sum();
  }

  private static Set<String> workerThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith(Worker.THREAD_PREFIX))
        .collect(Collectors.toSet());
  }
}
