package dev.aijobs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TlsTerminatingProxyTest {
  private static MockUpstream plain;
  private static TlsTerminatingProxy proxy;

  @BeforeAll
  static void start() {
    plain = MockUpstream.start();
    proxy = TlsTerminatingProxy.start("127.0.0.1", plain.port());
  }

  @AfterAll
  static void stop() {
    proxy.close();
    plain.close();
  }

  @Test
  void relaysDecryptedTrafficToThePlainTargetUnderBothNames() throws Exception {
    HttpClient client = trusting(proxy);
    int before = proxy.connectionCount();

    for (String host : new String[] {"127.0.0.1", "localhost"}) {
      HttpResponse<String> response =
          client.send(request(host, proxy.port()), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(host).isEqualTo(200);
      assertThat(response.body()).contains("echo: hello big world");
    }
    assertThat(proxy.connectionCount()).isGreaterThan(before);
    assertThat(plain.requestCount()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void aClientWithoutTheTrustStoreIsRejected() {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    assertThatThrownBy(
            () ->
                client.send(
                    request("127.0.0.1", proxy.port()), HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(SSLHandshakeException.class);
  }

  @Test
  void anUnreachableTargetClosesTheClientConnection() throws Exception {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0)) {
      deadPort = s.getLocalPort();
    }
    try (TlsTerminatingProxy dead = TlsTerminatingProxy.start("127.0.0.1", deadPort)) {
      assertThatThrownBy(
              () ->
                  trusting(dead)
                      .send(
                          request("127.0.0.1", dead.port()), HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(IOException.class);
      assertThat(dead.connectionCount()).isEqualTo(1);
    }
  }

  @Test
  void closeIsIdempotent() {
    TlsTerminatingProxy p = TlsTerminatingProxy.start("127.0.0.1", plain.port());
    p.close();
    p.close();
    assertThat(p.trustStore().load()).isNotNull();
  }

  private static HttpClient trusting(TlsTerminatingProxy p) {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .sslContext(p.trustStore().sslContext())
        .build();
  }

  private static HttpRequest request(String host, int port) {
    return HttpRequest.newBuilder(
            URI.create("https://" + host + ":" + port + "/v1/chat/completions"))
        .timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofString(RawHttp.chatBody("m", false)))
        .build();
  }
}
