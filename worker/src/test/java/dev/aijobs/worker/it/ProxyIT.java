package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aijobs.testkit.FaultSocks5Server;
import dev.aijobs.testkit.MockUpstream;
import dev.aijobs.testkit.SocksTunnel;
import dev.aijobs.testkit.TrustStore;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real proxies: Debian's dante (no auth and username auth) over plain HTTP and over HTTPS, since
 * real providers are HTTPS and HTTPS through SOCKS is where the HTTP client broke before; and name
 * resolution at the proxy ({@code socks5h://}). Every test proves the traffic crossed the proxy.
 */
class ProxyIT {
  private static final AtomicInteger IDS = new AtomicInteger();

  /** The HTTPS mock upstream (plain HTTP is the rig's). */
  private static MockUpstream tls;

  private static FaultSocks5Server recorder;

  @RegisterExtension
  static final WorkerRig RIG =
      WorkerRig.with(
          (env, rig) -> {
            Dante.requireRunning();
            MockUpstream plain = rig.upstream();
            tls = rig.own(MockUpstream.start(MockUpstream.Options.builder().tls(true).build()));
            recorder = rig.own(FaultSocks5Server.start());
            TrustStore trust = tls.trustStore();
            env.put("AIJOBS_UPSTREAM_TLS_TRUST_STORE", trust.path().toString());
            env.put("AIJOBS_UPSTREAM_TLS_TRUST_STORE_PASSWORD", trust.password());
            provider(env, "DANTE_HTTP", plain.baseUrl(), Dante.noAuthUrl());
            provider(env, "DANTE_HTTPS", tls.baseUrl(), Dante.noAuthUrl());
            provider(env, "DANTE_AUTH_HTTP", plain.baseUrl(), Dante.authUrl());
            provider(env, "DANTE_AUTH_HTTPS", tls.baseUrl(), Dante.authUrl());
            provider(env, "DIRECT_HTTPS", tls.baseUrl(), null);
            String byName = "http://localhost:" + plain.port() + "/v1";
            provider(env, "REMOTE_DNS", byName, recorder.url().replace("socks5://", "socks5h://"));
            provider(env, "LOCAL_DNS", byName, recorder.url());
          });

  private static void provider(Map<String, String> env, String id, String base, String proxy) {
    env.put("AIJOBS_PROVIDER_" + id + "_BASE_URL", base);
    if (proxy != null) {
      env.put("AIJOBS_PROVIDER_" + id + "_MODE", "socks5");
      env.put("AIJOBS_PROVIDER_" + id + "_PROXY_URL", proxy);
      // A proxy failure must fail the test, not be hidden by the direct fallback.
      env.put("AIJOBS_PROVIDER_" + id + "_FALLBACK_TO_DIRECT", "false");
    }
  }

  private static JsonNode run(String provider) throws Exception {
    String id = "proxy-" + provider + "-" + IDS.incrementAndGet();
    RIG.bot().publish(BotSide.job(id, provider, "m", "hello " + provider));
    await().atMost(Duration.ofSeconds(30)).until(() -> RIG.bot().result(id) != null);
    JsonNode r = RIG.bot().result(id);
    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    assertThat(r.path("completion").path("content").asText()).isEqualTo("echo: hello " + provider);
    return r;
  }

  @Test
  void httpThroughDante() throws Exception {
    assertThat(run("dante_http").path("route").asText()).isEqualTo("proxy");
    assertThat(Dante.log(false)).contains("127.0.0.1." + RIG.upstream().port());
  }

  @Test
  void httpsThroughDante() throws Exception {
    assertThat(run("dante_https").path("route").asText()).isEqualTo("proxy");
    assertThat(Dante.log(false)).contains("127.0.0.1." + tls.port());
  }

  @Test
  void httpThroughDanteWithUsernameAuth() throws Exception {
    assertThat(run("dante_auth_http").path("route").asText()).isEqualTo("proxy");
    assertThat(Dante.log(true)).contains(Dante.USER).contains("127.0.0.1." + RIG.upstream().port());
  }

  @Test
  void httpsThroughDanteWithUsernameAuth() throws Exception {
    assertThat(run("dante_auth_https").path("route").asText()).isEqualTo("proxy");
    assertThat(Dante.log(true)).contains(Dante.USER).contains("127.0.0.1." + tls.port());
  }

  @Test
  void httpsDirectTrustsTheConfiguredStore() throws Exception {
    assertThat(run("direct_https").path("route").asText()).isEqualTo("direct");
  }

  @Test
  void socks5hHandsTheHostNameToTheProxy() throws Exception {
    recorder.closeConnections(); // no pooled tunnel from another test
    recorder.reset();
    run("remote_dns");
    SocksTunnel t = recorder.tunnels().get(0);
    assertThat(t.addressType()).isEqualTo(SocksTunnel.AddressType.DOMAIN);
    assertThat(t.host()).isEqualTo("localhost");
    assertThat(t.port()).isEqualTo(RIG.upstream().port());
  }

  @Test
  void socks5ResolvesLocallyAndSendsAnAddress() throws Exception {
    recorder.closeConnections();
    recorder.reset();
    run("local_dns");
    SocksTunnel t = recorder.tunnels().get(0);
    assertThat(t.addressType()).isIn(SocksTunnel.AddressType.IPV4, SocksTunnel.AddressType.IPV6);
  }
}
