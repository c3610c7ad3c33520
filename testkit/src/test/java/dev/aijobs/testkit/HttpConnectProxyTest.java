package dev.aijobs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpConnectProxyTest {
  private static MockUpstream plain;
  private static MockUpstream tls;
  private static HttpConnectProxy proxy;

  @BeforeAll
  static void start() {
    plain = MockUpstream.start();
    tls = MockUpstream.start(MockUpstream.Options.builder().tls(true).build());
    proxy = HttpConnectProxy.start();
  }

  @AfterAll
  static void stop() {
    proxy.close();
    tls.close();
    plain.close();
  }

  @BeforeEach
  void reset() {
    proxy.reset();
  }

  @Test
  void forwardsAbsoluteFormRequestsInOriginForm() throws Exception {
    HttpClient client = client(null);

    for (int i = 0; i < 2; i++) {
      HttpResponse<String> response =
          client.send(request(plain.baseUrl()), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).contains("echo: hello big world");
    }
    assertThat(proxy.forwardCount()).isEqualTo(2);
    assertThat(proxy.connectCount()).isZero();
    assertThat(proxy.targets()).containsOnly("127.0.0.1:" + plain.port());
  }

  @Test
  void tunnelsConnectRequestsForHttps() throws Exception {
    HttpClient client = client(tls.trustStore());

    HttpResponse<String> response =
        client.send(request(tls.baseUrl()), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("echo: hello big world");
    assertThat(proxy.connectCount()).isEqualTo(1);
    assertThat(proxy.forwardCount()).isZero();
    assertThat(proxy.targets()).containsExactly("127.0.0.1:" + tls.port());
  }

  @Test
  void anUnreachableTargetIsABadGateway() throws Exception {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0)) {
      deadPort = s.getLocalPort();
    }

    HttpResponse<String> response =
        client(null)
            .send(
                request("http://127.0.0.1:" + deadPort + "/v1"),
                HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(502);
    assertThat(proxy.targets()).containsExactly("127.0.0.1:" + deadPort);
  }

  @Test
  void closeIsIdempotent() throws IOException {
    HttpConnectProxy p = HttpConnectProxy.start();
    assertThat(p.url()).isEqualTo("http://127.0.0.1:" + p.port());
    p.close();
    p.close();
  }

  private static HttpClient client(TrustStore trust) {
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", proxy.port())));
    if (trust != null) {
      b.sslContext(trust.sslContext());
    }
    return b.build();
  }

  private static HttpRequest request(String baseUrl) {
    return HttpRequest.newBuilder(URI.create(baseUrl + "/chat/completions"))
        .timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofString(RawHttp.chatBody("m", false)))
        .build();
  }
}
