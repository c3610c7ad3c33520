package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aijobs.testkit.MockUpstream;
import dev.aijobs.worker.Worker;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When the worker's own clock gives up on a silent provider, the connection is closed too. */
class SilentProviderIT {

  @Test
  void aTimedOutCallDoesNotLeaveItsConnectionOpen() throws Exception {
    BotSide.resetQueues();
    try (MockUpstream upstream = MockUpstream.start();
        BotSide bot = new BotSide()) {
      Map<String, String> env = Workers.env(upstream);
      env.put("AIJOBS_PROVIDER_MOCK_FIRST_DATA_TIMEOUT", "300ms");
      try (Worker worker = Worker.start(Workers.config(env))) {
        await().atMost(Duration.ofSeconds(10)).until(worker::isReady);
        for (int i = 0; i < 5; i++) {
          bot.publish(BotSide.job("silent-" + i, "mock", "m;mock:fault=no-answer", "hello?"));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> bot.answeredIds() == 5);
        for (int i = 0; i < 5; i++) {
          assertThat(bot.result("silent-" + i).path("error").path("code").asText())
              .isEqualTo("timeout");
        }
        // The provider never answers, so only the worker can have closed these connections.
        await().atMost(Duration.ofSeconds(10)).until(() -> upstream.openConnections() == 0);
        assertThat(worker.openHttpConnections()).isZero();
      }
    }
  }
}
