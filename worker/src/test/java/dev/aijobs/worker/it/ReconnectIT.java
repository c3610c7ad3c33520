package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aijobs.testkit.MockUpstream;
import dev.aijobs.testkit.TestBroker;
import dev.aijobs.worker.Worker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Losing the broker connection with jobs in flight: the worker reconnects, resumes, loses nothing.
 */
class ReconnectIT {
  private static final int JOBS = 50;

  @Test
  void connectionsClosedByTheBrokerAreRecoveredWithoutLosingJobs() throws Exception {
    BotSide.resetQueues();
    try (MockUpstream upstream =
            MockUpstream.start(
                MockUpstream.Options.builder().latency(Duration.ofMillis(1500)).build());
        Worker worker = Workers.start(upstream);
        BotSide bot = new BotSide("aijobs.it.reconnect.replies")) {
      try {
        await().atMost(Duration.ofSeconds(10)).until(worker::isReady);
        for (int i = 0; i < JOBS; i++) {
          bot.publish(BotSide.job("reconnect-" + i, "mock", "m", "r " + i));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> worker.inFlight() == JOBS);

        TestBroker.rabbitmqctl(
            "close_all_connections", "-p", ItBroker.vhost(), "aijobs reconnect test");

        await().atMost(Duration.ofSeconds(10)).until(() -> !worker.isReady());
        await().atMost(Duration.ofSeconds(30)).until(worker::isReady);
        await().atMost(Duration.ofSeconds(60)).until(() -> bot.answeredIds() == JOBS);
        for (int i = 0; i < JOBS; i++) {
          assertThat(bot.result("reconnect-" + i).path("status").asText()).isEqualTo("ok");
        }
        await().atMost(Duration.ofSeconds(30)).until(bot::isConnected);
        bot.publish(BotSide.job("reconnect-after", "mock", "m", "after"));
        await().atMost(Duration.ofSeconds(10)).until(() -> bot.result("reconnect-after") != null);
      } finally {
        bot.deleteReplyQueue();
      }
    }
  }

  @Test
  void aDeadNodeInTheAddressListIsSkipped() throws Exception {
    BotSide.resetQueues();
    try (MockUpstream upstream = MockUpstream.start();
        BotSide bot = new BotSide()) {
      java.util.Map<String, String> env = Workers.env(upstream);
      int dead;
      try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
        dead = s.getLocalPort();
      }
      java.net.URI broker = java.net.URI.create(ItBroker.uri());
      int port = broker.getPort() > 0 ? broker.getPort() : 5672;
      env.put("AIJOBS_AMQP_ADDRESSES", "127.0.0.1:" + dead + "," + broker.getHost() + ":" + port);
      try (Worker worker = Worker.start(Workers.config(env))) {
        await().atMost(Duration.ofSeconds(30)).until(worker::isReady);
        bot.publish(BotSide.job("cluster-1", "mock", "m", "any node"));
        await().atMost(Duration.ofSeconds(10)).until(() -> bot.result("cluster-1") != null);
        assertThat(bot.result("cluster-1").path("status").asText()).isEqualTo("ok");
      }
    }
  }
}
