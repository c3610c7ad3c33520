package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aijobs.testkit.FaultSocks5Server;
import dev.aijobs.testkit.FaultSocks5Server.Mode;
import io.micrometer.core.instrument.search.Search;
import io.netty.handler.codec.socksx.v5.Socks5CommandStatus;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Routes on the real broker: SOCKS5 through the fault-injecting proxy, proxy → direct fallback for
 * every proxy-layer failure, and no fallback once the tunnel is up.
 */
class RoutesIT {
  private static final AtomicInteger IDS = new AtomicInteger();
  private static FaultSocks5Server proxy;

  @RegisterExtension
  static final WorkerRig RIG =
      WorkerRig.with(
          (env, rig) -> {
            proxy = rig.own(FaultSocks5Server.start());
            for (String id : new String[] {"VIAPROXY", "STRICT"}) {
              env.put("AIJOBS_PROVIDER_" + id + "_BASE_URL", rig.upstream().baseUrl());
              env.put("AIJOBS_PROVIDER_" + id + "_MODE", "socks5");
              env.put("AIJOBS_PROVIDER_" + id + "_PROXY_URL", proxy.url());
              env.put("AIJOBS_PROVIDER_" + id + "_CONNECT_TIMEOUT", "1s");
              env.put("AIJOBS_PROVIDER_" + id + "_FIRST_DATA_TIMEOUT", "2s");
              env.put("AIJOBS_PROVIDER_" + id + "_MAX_RETRIES", "1");
            }
            env.put("AIJOBS_PROVIDER_STRICT_FALLBACK_TO_DIRECT", "false");
            env.put("AIJOBS_RETRY_BASE_DELAY", "50ms");
            // Every test here fails through the same proxy endpoint, whose breaker would open and
            // send later tests direct at once; breakers are tested in RoutingIT.
            env.put("AIJOBS_BREAKER_MIN_CALLS", "10000");
            env.put("AIJOBS_BREAKER_WINDOW", "10000");
          });

  @BeforeEach
  void normal() {
    proxy.setMode(Mode.NORMAL);
    proxy.closeConnections();
    proxy.reset();
    RIG.upstream().reset();
  }

  private static JsonNode run(String provider, String model) throws Exception {
    String id = "route-" + IDS.incrementAndGet();
    ObjectNode job = BotSide.job(id, provider, model, "via " + provider);
    RIG.bot().publish(job);
    await().atMost(Duration.ofSeconds(30)).until(() -> RIG.bot().result(id) != null);
    return RIG.bot().result(id);
  }

  @Test
  void throughTheProxyTheTrafficReallyCrossesIt() throws Exception {
    JsonNode r = run("viaproxy", "m");
    assertThat(r.path("status").asText()).isEqualTo("ok");
    assertThat(r.path("route").asText())
        .as(
            r.toString()
                + RIG.worker()
                    .registry()
                    .scrape()
                    .lines()
                    .filter(l -> l.contains("circuitbreaker_state") || l.contains("calls"))
                    .toList())
        .isEqualTo("proxy");
    assertThat(r.path("completion").path("content").asText()).isEqualTo("echo: via viaproxy");
    assertThat(proxy.tunnelCount()).isGreaterThanOrEqualTo(1);
    assertThat(proxy.tunnels().get(0).port()).isEqualTo(RIG.upstream().port());
    assertThat(proxy.tunnels().get(0).bytesFromTarget()).isPositive();
  }

  static Stream<Arguments> proxyFailures() {
    return Stream.of(
        Arguments.of(Mode.REFUSE, null),
        Arguments.of(Mode.CLOSE_ON_ACCEPT, null),
        Arguments.of(Mode.AUTH_REJECT, null),
        Arguments.of(Mode.NO_ACCEPTABLE_METHOD, null),
        Arguments.of(Mode.REPLY_FAILURE, Socks5CommandStatus.CONNECTION_REFUSED),
        Arguments.of(Mode.REPLY_FAILURE, Socks5CommandStatus.HOST_UNREACHABLE),
        Arguments.of(Mode.REPLY_FAILURE, Socks5CommandStatus.FORBIDDEN),
        Arguments.of(Mode.REPLY_FAILURE, Socks5CommandStatus.FAILURE),
        Arguments.of(Mode.STALL_HANDSHAKE, null),
        Arguments.of(Mode.GARBAGE, null));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("proxyFailures")
  void aProxyLayerFailureSwitchesToDirectAtOnce(Mode mode, Socks5CommandStatus status)
      throws Exception {
    if (status != null) {
      proxy.setFailureStatus(status);
    }
    proxy.setMode(mode);
    proxy.closeConnections();
    JsonNode r = run("viaproxy", "m");
    assertThat(r.path("status").asText()).isEqualTo("ok");
    assertThat(r.path("route").asText()).isEqualTo("direct_after_proxy_failure");
    JsonNode attempts = r.path("attempts");
    assertThat(attempts.size()).isGreaterThanOrEqualTo(1);
    JsonNode last = attempts.get(attempts.size() - 1);
    assertThat(last.path("route").asText()).isEqualTo("direct_after_proxy_failure");
    assertThat(last.path("outcome").asText()).isEqualTo("ok");
    if (attempts.size() > 1) {
      assertThat(attempts.get(0).path("route").asText()).isEqualTo("proxy");
      assertThat(attempts.get(0).path("outcome").asText()).isEqualTo("proxy_unavailable");
    }
    assertThat(RIG.upstream().requestCount())
        .as("the provider saw exactly one request")
        .isEqualTo(1);
  }

  @Test
  void fallbacksAreCounted() throws Exception {
    proxy.setMode(Mode.AUTH_REJECT);
    double before = fallbacks();
    run("viaproxy", "m");
    assertThat(fallbacks()).isGreaterThan(before);
  }

  @Test
  void whenDirectIsForbiddenAProxyFailureIsProxyUnavailable() throws Exception {
    proxy.setMode(Mode.REFUSE);
    JsonNode r = run("strict", "m");
    assertThat(r.path("status").asText()).isEqualTo("error");
    assertThat(r.path("error").path("code").asText()).isEqualTo("proxy_unavailable");
    for (JsonNode a : r.path("attempts")) {
      assertThat(a.path("route").asText()).isEqualTo("proxy");
    }
    assertThat(RIG.upstream().requestCount()).isZero();
  }

  @Test
  void aBlackholeAfterTheTunnelIsUpIsRetriedDirect() throws Exception {
    proxy.setMode(Mode.BLACKHOLE_AFTER_CONNECT);
    JsonNode r = run("viaproxy", "m");
    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    assertThat(r.path("route").asText()).isEqualTo("direct_after_proxy_failure");
    assertThat(r.path("attempts")).hasSize(2);
    assertThat(r.path("attempts").get(0).path("route").asText()).isEqualTo("proxy");
    assertThat(r.path("attempts").get(0).path("outcome").asText()).isEqualTo("timeout");
  }

  @Test
  void aCutAfterResponseBytesIsRetriedDirect() throws Exception {
    proxy.setMode(Mode.CLOSE_MID_RESPONSE);
    JsonNode r = run("viaproxy", "m");
    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    assertThat(r.path("route").asText()).isEqualTo("direct_after_proxy_failure");
    assertThat(r.path("attempts")).hasSize(2);
    assertThat(r.path("attempts").get(0).path("outcome").asText()).isEqualTo("upstream_error");
  }

  @Test
  void aBlackholeAfterTheTunnelIsUpIsNotAProxyFailureWhenDirectIsForbidden() throws Exception {
    proxy.setMode(Mode.BLACKHOLE_AFTER_CONNECT);
    JsonNode r = run("strict", "m");
    assertThat(r.path("status").asText()).isEqualTo("error");
    assertThat(r.path("error").path("code").asText()).isEqualTo("timeout");
    assertThat(r.path("attempts")).hasSize(1);
    assertThat(r.path("attempts").get(0).path("route").asText()).isEqualTo("proxy");
  }

  @Test
  void aCutThroughAProxyWhereDirectIsForbiddenIsRetriedThroughIt() throws Exception {
    proxy.setMode(Mode.CLOSE_MID_RESPONSE);
    JsonNode r = run("strict", "m");
    assertThat(r.path("status").asText()).isEqualTo("error");
    assertThat(r.path("attempts")).hasSize(2); // MAX_RETRIES=1
    for (JsonNode a : r.path("attempts")) {
      assertThat(a.path("route").asText()).isEqualTo("proxy");
    }
  }

  private static double fallbacks() {
    return Search.in(RIG.worker().registry()).name("aijobs.proxy.fallbacks").counters().stream()
        .mapToDouble(c -> c.count())
        .sum();
  }
}
