package dev.aijobs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Collections;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MockUpstreamTlsTest {

  private static MockUpstream upstream;

  @BeforeAll
  static void start() {
    upstream = MockUpstream.start(MockUpstream.Options.builder().tls(true).build());
  }

  @AfterAll
  static void stop() {
    upstream.close();
  }

  @Test
  void servesHttpsTrustedThroughTheExposedTrustStore() throws Exception {
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .sslContext(upstream.trustStore().sslContext())
            .build();

    HttpResponse<String> response = client.send(request("m"), HttpResponse.BodyHandlers.ofString());

    assertThat(upstream.baseUrl()).isEqualTo("https://127.0.0.1:" + upstream.port() + "/v1");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("echo: hello big world");
  }

  @Test
  void streamsOverTls() throws Exception {
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .sslContext(upstream.trustStore().sslContext())
            .build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(upstream.baseUrl() + "/chat/completions"))
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString(RawHttp.chatBody("m;mock:tokens=3", true)))
            .build();

    String body = client.send(request, HttpResponse.BodyHandlers.ofString()).body();

    assertThat(SseEvents.parse(body).data()).hasSize(5).last().isEqualTo("[DONE]");
  }

  @Test
  void certificateNamesLoopbackAndLocalhostAndMatchesTheTrustStore() throws Exception {
    KeyStore store = upstream.trustStore().load();

    assertThat(upstream.certificate().getSubjectAlternativeNames())
        .extracting(name -> name.get(1).toString())
        .contains("127.0.0.1", "localhost");
    String alias = Collections.list(store.aliases()).get(0);
    assertThat(store.getCertificate(alias)).isEqualTo(upstream.certificate());
    assertThat(upstream.trustStore().toString()).doesNotContain(upstream.trustStore().password());
  }

  @Test
  void aClientWithoutTheTrustMaterialIsRejected() {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    assertThatThrownBy(() -> client.send(request("m"), HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(SSLHandshakeException.class);
  }

  @Test
  void plainServersHaveNoTrustMaterial() {
    try (MockUpstream plain = MockUpstream.start()) {
      assertThat(plain.isTls()).isFalse();
      assertThatThrownBy(plain::certificate).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(plain::trustStore).isInstanceOf(IllegalStateException.class);
    }
  }

  private static HttpRequest request(String model) {
    return HttpRequest.newBuilder(URI.create(upstream.baseUrl() + "/chat/completions"))
        .timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofString(RawHttp.chatBody(model, false)))
        .build();
  }
}
