package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aijobs.testkit.HttpConnectProxy;
import dev.aijobs.testkit.MockUpstream;
import dev.aijobs.testkit.TrustStore;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Providers in {@code http} proxy mode: plain HTTP is forwarded in absolute form, HTTPS goes
 * through a CONNECT tunnel, and a dead proxy falls back to a direct call.
 */
class HttpProxyIT {
  private static final AtomicInteger IDS = new AtomicInteger();

  /** The HTTPS mock upstream (plain HTTP is the rig's). */
  private static MockUpstream tls;

  private static HttpConnectProxy proxy;
  private static HttpConnectProxy deadProxy;

  @RegisterExtension
  static final WorkerRig RIG =
      WorkerRig.with(
          (env, rig) -> {
            MockUpstream plain = rig.upstream();
            tls = rig.own(MockUpstream.start(MockUpstream.Options.builder().tls(true).build()));
            proxy = rig.own(HttpConnectProxy.start());
            deadProxy = HttpConnectProxy.start();
            deadProxy.close(); // its port now refuses connections
            TrustStore trust = tls.trustStore();
            env.put("AIJOBS_UPSTREAM_TLS_TRUST_STORE", trust.path().toString());
            env.put("AIJOBS_UPSTREAM_TLS_TRUST_STORE_PASSWORD", trust.password());
            provider(env, "HP_HTTP", plain.baseUrl(), proxy.url(), false);
            provider(env, "HP_HTTPS", tls.baseUrl(), proxy.url(), false);
            provider(env, "HP_DEAD", plain.baseUrl(), deadProxy.url(), true);
            // An HTTPS provider the proxy cannot reach: the proxy answers CONNECT with 502.
            int closedPort;
            try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
              closedPort = s.getLocalPort();
            }
            provider(
                env, "HP_REFUSED", "https://127.0.0.1:" + closedPort + "/v1", proxy.url(), true);
            env.put("AIJOBS_PROVIDER_HP_REFUSED_MAX_RETRIES", "0");
          });

  private static void provider(
      Map<String, String> env, String id, String base, String proxyUrl, boolean fallback) {
    env.put("AIJOBS_PROVIDER_" + id + "_BASE_URL", base);
    env.put("AIJOBS_PROVIDER_" + id + "_MODE", "http");
    env.put("AIJOBS_PROVIDER_" + id + "_PROXY_URL", proxyUrl);
    env.put("AIJOBS_PROVIDER_" + id + "_FALLBACK_TO_DIRECT", String.valueOf(fallback));
  }

  private static JsonNode run(String provider) throws Exception {
    String id = "http-proxy-" + provider + "-" + IDS.incrementAndGet();
    RIG.bot().publish(BotSide.job(id, provider, "m", "hello " + provider));
    await().atMost(Duration.ofSeconds(30)).until(() -> RIG.bot().result(id) != null);
    JsonNode r = RIG.bot().result(id);
    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    assertThat(r.path("completion").path("content").asText()).isEqualTo("echo: hello " + provider);
    return r;
  }

  @Test
  void plainHttpIsForwardedThroughTheProxy() throws Exception {
    int before = proxy.forwardCount();
    assertThat(run("hp_http").path("route").asText()).isEqualTo("proxy");
    assertThat(proxy.forwardCount()).isGreaterThan(before);
    assertThat(proxy.targets()).contains("127.0.0.1:" + RIG.upstream().port());
  }

  @Test
  void httpsIsTunnelledWithConnect() throws Exception {
    int before = proxy.connectCount();
    assertThat(run("hp_https").path("route").asText()).isEqualTo("proxy");
    assertThat(proxy.connectCount()).isGreaterThan(before);
    assertThat(proxy.targets()).contains("127.0.0.1:" + tls.port());
  }

  @Test
  void aDeadProxyFallsBackToDirect() throws Exception {
    JsonNode r = run("hp_dead");
    assertThat(r.path("route").asText()).as(r.toString()).isEqualTo("direct_after_proxy_failure");
    assertThat(deadProxy.connectCount() + deadProxy.forwardCount()).isZero();
  }

  @Test
  void aConnectRefusedByTheProxyIsAProxyFailureAndGoesDirect() throws Exception {
    String id = "http-proxy-refused-" + IDS.incrementAndGet();
    RIG.bot().publish(BotSide.job(id, "hp_refused", "m", "x"));
    await().atMost(Duration.ofSeconds(30)).until(() -> RIG.bot().result(id) != null);
    JsonNode r = RIG.bot().result(id);
    JsonNode attempts = r.path("attempts");
    assertThat(attempts.size()).as(r.toString()).isGreaterThanOrEqualTo(2);
    assertThat(attempts.get(0).path("route").asText()).isEqualTo("proxy");
    assertThat(attempts.get(0).path("outcome").asText()).isEqualTo("proxy_unavailable");
    assertThat(attempts.get(1).path("route").asText()).isEqualTo("direct_after_proxy_failure");
  }
}
