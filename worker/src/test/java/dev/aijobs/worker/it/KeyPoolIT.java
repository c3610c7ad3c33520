package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aijobs.testkit.MockUpstream;
import dev.aijobs.worker.Worker;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A provider with several API keys: a refused key is set aside, the others keep working. */
class KeyPoolIT {

  @Test
  void aRefusedKeyIsSetAsideAndTheOthersKeepAnswering() throws Exception {
    BotSide.resetQueues();
    try (MockUpstream upstream = MockUpstream.start();
        BotSide bot = new BotSide()) {
      Map<String, String> env = Workers.env(upstream);
      env.put("AIJOBS_PROVIDER_POOL_BASE_URL", upstream.baseUrl());
      env.put("AIJOBS_PROVIDER_POOL_API_KEY", "bad-key-0000,good-key-1111,good-key-2222");
      try (Worker worker = Worker.start(Workers.config(env))) {
        await().atMost(Duration.ofSeconds(10)).until(worker::isReady);
        int refused = 0;
        for (int i = 0; i < 12; i++) {
          String id = "keys-" + i;
          bot.publish(BotSide.job(id, "pool", "m;mock:reject-key=bad-key-0000", "k" + i));
          await().atMost(Duration.ofSeconds(10)).until(() -> bot.result(id) != null);
          JsonNode r = bot.result(id);
          assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
          for (JsonNode a : r.path("attempts")) {
            if (a.path("outcome").asText().equals("auth_failed")) {
              refused++;
            }
          }
          // (the refused key's name is in the mock's directive, so only the others can be checked)
          assertThat(r.toString()).doesNotContain("good-key");
        }
        assertThat(refused).as("the refused key was tried once, then set aside").isEqualTo(1);
        assertThat(worker.registry().scrape()).doesNotContain("good-key").doesNotContain("bad-key");
      }
    }
  }

  @Test
  void whenEveryKeyIsRefusedTheJobFailsAfterTryingEachOnce() throws Exception {
    BotSide.resetQueues();
    try (MockUpstream upstream = MockUpstream.start();
        BotSide bot = new BotSide()) {
      Map<String, String> env = Workers.env(upstream);
      env.put("AIJOBS_PROVIDER_POOL_BASE_URL", upstream.baseUrl());
      env.put("AIJOBS_PROVIDER_POOL_API_KEY", "only-key-0000");
      try (Worker worker = Worker.start(Workers.config(env))) {
        await().atMost(Duration.ofSeconds(10)).until(worker::isReady);
        bot.publish(BotSide.job("keys-all-bad", "pool", "m;mock:reject-key=only-key-0000", "x"));
        await().atMost(Duration.ofSeconds(10)).until(() -> bot.result("keys-all-bad") != null);
        JsonNode r = bot.result("keys-all-bad");
        assertThat(r.path("error").path("code").asText()).isEqualTo("auth_failed");
        assertThat(r.path("attempts")).hasSize(1);
      }
    }
  }
}
