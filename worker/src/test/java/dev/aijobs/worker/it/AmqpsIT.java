package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aijobs.testkit.MockUpstream;
import dev.aijobs.testkit.TlsTerminatingProxy;
import dev.aijobs.testkit.TrustStore;
import dev.aijobs.worker.Worker;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code amqps://} for the worker's broker connections: a TLS-terminating proxy in front of the
 * plain test broker, trusted through {@code AIJOBS_AMQP_TLS_TRUST_STORE}. The bot side talks to the
 * broker directly.
 */
class AmqpsIT {
  private static MockUpstream upstream;
  private static TlsTerminatingProxy proxy;

  @BeforeAll
  static void start() throws Exception {
    BotSide.resetQueues();
    upstream = MockUpstream.start();
    URI broker = URI.create(ItBroker.uri());
    proxy = TlsTerminatingProxy.start(broker.getHost(), broker.getPort());
  }

  @AfterAll
  static void stop() throws Exception {
    Workers.closeAll(proxy, upstream);
  }

  private static Map<String, String> amqpsEnv() {
    Map<String, String> env = Workers.env(upstream);
    env.put(
        "AIJOBS_AMQP_URI",
        "amqps://guest:guest@localhost:"
            + proxy.port()
            + "/"
            + java.net.URLEncoder.encode(
                ItBroker.vhost(), java.nio.charset.StandardCharsets.UTF_8));
    return env;
  }

  @Test
  void workerConnectsOverTlsAndAnswersAJob() throws Exception {
    Map<String, String> env = amqpsEnv();
    TrustStore trust = proxy.trustStore();
    env.put("AIJOBS_AMQP_TLS_TRUST_STORE", trust.path().toString());
    env.put("AIJOBS_AMQP_TLS_TRUST_STORE_PASSWORD", trust.password());
    int before = proxy.connectionCount();

    try (Worker worker = Worker.start(Workers.config(env));
        BotSide bot = new BotSide()) {
      await().atMost(Duration.ofSeconds(10)).until(worker::isReady);
      assertThat(proxy.connectionCount() - before).isGreaterThanOrEqualTo(2);

      bot.publish(BotSide.job("amqps-1", "mock", "m", "over tls"));
      await().atMost(Duration.ofSeconds(15)).until(() -> bot.result("amqps-1") != null);
      JsonNode r = bot.result("amqps-1");
      assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
      assertThat(r.path("completion").path("content").asText()).isEqualTo("echo: over tls");
      assertThat(upstream.requestCount()).isPositive();
    }
  }

  @Test
  void withoutTheTrustStoreTheWorkerFailsToStartInsteadOfHanging() {
    Map<String, String> env = amqpsEnv();
    AtomicReference<Worker> started = new AtomicReference<>();

    try {
      assertThatThrownBy(
              () ->
                  await()
                      .atMost(Duration.ofSeconds(30))
                      .until(
                          () -> {
                            started.set(Worker.start(Workers.config(env)));
                            return true;
                          }))
          .satisfies(
              e ->
                  assertThat(describe(e))
                      .contains("SSLHandshakeException")
                      .contains("PKIX path building failed"));
    } finally {
      if (started.get() != null) {
        started.get().close();
      }
    }
  }

  private static String describe(Throwable e) {
    StringBuilder s = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      s.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
    }
    return s.toString();
  }
}
