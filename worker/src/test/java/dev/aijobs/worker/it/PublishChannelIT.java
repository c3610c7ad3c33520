package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.aijobs.protocol.Topology;
import dev.aijobs.testkit.MockUpstream;
import dev.aijobs.worker.Worker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The broker closes the worker's publish channel (here: the dead-letter exchange was deleted and a
 * bad job must be dead-lettered). The worker opens a new channel and keeps answering. (While the
 * exchange is missing the bad job is requeued; past the queue's delivery limit the broker drops it,
 * since its dead-letter exchange is gone: deleting ai.jobs.dlx is an operator error.)
 */
class PublishChannelIT {

  @Test
  void aPublishChannelClosedByTheBrokerIsReopenedAndNoJobIsLost() throws Exception {
    BotSide.resetQueues();
    try (MockUpstream upstream = MockUpstream.start();
        Worker worker = Workers.start(upstream);
        BotSide bot = new BotSide()) {
      await().atMost(Duration.ofSeconds(10)).until(worker::isReady);
      try (Connection c = ItBroker.connectionFactory().newConnection("aijobs-it-admin");
          Channel ch = c.createChannel()) {
        ch.exchangeDelete(Topology.DEAD_LETTER_EXCHANGE);
        // Dead-lettering this one fails: NOT_FOUND closes the worker's publish channel.
        bot.publishRaw("mock", bot.props("bad-json").build(), "not json");
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> worker.registry().counter("aijobs.reply.failures").count() >= 1);
        Topology.declareWorkerSide(ch); // an operator puts the exchange back
      }
      await().atMost(Duration.ofSeconds(30)).until(worker::isReady);
      bot.publish(BotSide.job("after-reopen", "mock", "m", "still here"));
      await().atMost(Duration.ofSeconds(30)).until(() -> bot.result("after-reopen") != null);
      assertThat(bot.result("after-reopen").path("status").asText()).isEqualTo("ok");
    }
  }
}
