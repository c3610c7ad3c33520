package dev.aijobs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.aijobs.testkit.FaultSocks5Server.Mode;
import dev.aijobs.testkit.SocksTunnel.AddressType;
import dev.aijobs.testkit.SocksTunnel.Outcome;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The SOCKS5 server relaying for a real JDK client, and its NORMAL-mode bookkeeping. */
class FaultSocks5ServerTest {

  static final String REQUEST_BODY =
      "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  static final String REQUEST =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
          + "Content-Type: application/json\r\nContent-Length: "
          + REQUEST_BODY.length()
          + "\r\n\r\n"
          + REQUEST_BODY;

  private MockUpstream upstream;
  private FaultSocks5Server socks;

  @BeforeEach
  void start() {
    upstream = MockUpstream.start();
    socks = FaultSocks5Server.start();
  }

  @AfterEach
  void stop() {
    socks.close();
    upstream.close();
  }

  @Test
  void jdkSocksClientReachesTheUpstreamByNameThroughTheTunnel() throws IOException {
    String response;
    try (Socket socket = new Socket(new Proxy(Proxy.Type.SOCKS, socks.address()))) {
      socket.setSoTimeout(10_000);
      socket.connect(InetSocketAddress.createUnresolved("localhost", upstream.port()), 10_000);
      socket.getOutputStream().write(REQUEST.getBytes(StandardCharsets.UTF_8));
      response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    assertThat(response).startsWith("HTTP/1.1 200").contains("echo: hi");
    assertThat(upstream.requestCount()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(5)).until(() -> outcome() == Outcome.CLOSED);
    SocksTunnel tunnel = socks.tunnels().get(0);
    assertThat(tunnel.host()).isEqualTo("localhost");
    assertThat(tunnel.port()).isEqualTo(upstream.port());
    assertThat(tunnel.addressType()).isEqualTo(AddressType.DOMAIN);
    assertThat(tunnel.username()).isEmpty();
    assertThat(tunnel.mode()).isEqualTo(Mode.NORMAL);
    assertThat(tunnel.client().getAddress().isLoopbackAddress()).isTrue();
    assertThat(tunnel.bytesToTarget()).isEqualTo(REQUEST.length());
    assertThat(tunnel.bytesFromTarget())
        .isEqualTo(response.getBytes(StandardCharsets.UTF_8).length);
    assertThat(socks.tunnelCount()).isEqualTo(1);
    assertThat(socks.connectionCount()).isEqualTo(1);
  }

  @Test
  void aResolvedTargetIsRecordedAsIpv4() throws IOException {
    try (Socket socket = new Socket(new Proxy(Proxy.Type.SOCKS, socks.address()))) {
      socket.setSoTimeout(10_000);
      socket.connect(new InetSocketAddress("127.0.0.1", upstream.port()), 10_000);
      socket.getOutputStream().write(REQUEST.getBytes(StandardCharsets.UTF_8));
      assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
          .startsWith("HTTP/1.1 200");
    }

    SocksTunnel tunnel = socks.tunnels().get(0);
    assertThat(tunnel.addressType()).isEqualTo(AddressType.IPV4);
    assertThat(tunnel.host()).isEqualTo("127.0.0.1");
  }

  @Test
  void anUnreachableTargetGetsConnectionRefusedAndIsRecordedWithItsAddressType()
      throws IOException {
    byte[] ipv6Loopback = new byte[16];
    ipv6Loopback[15] = 1;
    try (RawSocks5 client = RawSocks5.connect(socks.address())) {
      client.greet(RawSocks5.NO_AUTH);
      // The upstream listens on 127.0.0.1 only, so [::1]:port refuses.
      assertThat(client.connectIp(ipv6Loopback, upstream.port())).isEqualTo(5);
      assertThat(client.in.read()).isEqualTo(-1);
    }

    SocksTunnel tunnel = socks.tunnels().get(0);
    assertThat(tunnel.addressType()).isEqualTo(AddressType.IPV6);
    assertThat(tunnel.outcome()).isEqualTo(Outcome.TARGET_UNREACHABLE);
  }

  @Test
  void credentialsAreRequiredCheckedAndRecorded() throws IOException {
    try (FaultSocks5Server secured =
        FaultSocks5Server.start(
            FaultSocks5Server.Options.builder().credentials("bot", "s3cret").build())) {
      try (RawSocks5 client = RawSocks5.connect(secured.address())) {
        assertThat(client.greet(RawSocks5.NO_AUTH)).containsExactly(5, 0xff);
      }
      try (RawSocks5 client = RawSocks5.connect(secured.address())) {
        assertThat(client.greet(RawSocks5.NO_AUTH, RawSocks5.PASSWORD)).containsExactly(5, 2);
        assertThat(client.auth("bot", "wrong")).isNotZero().isNotEqualTo(-1);
        assertThat(client.in.read()).isEqualTo(-1);
      }
      try (RawSocks5 client = RawSocks5.connect(secured.address())) {
        client.greet(RawSocks5.PASSWORD);
        assertThat(client.auth("bot", "s3cret")).isZero();
        assertThat(client.connectDomain("localhost", upstream.port())).isZero();
        client.send(REQUEST);
        assertThat(new String(client.in.readAllBytes(), StandardCharsets.UTF_8))
            .startsWith("HTTP/1.1 200");
      }

      assertThat(secured.tunnels())
          .singleElement()
          .satisfies(t -> assertThat(t.username()).hasValue("bot"));
      assertThat(secured.connectionCount()).isEqualTo(3);
    }
  }

  @Test
  void refuseStopsListeningAndNormalRebindsTheSamePort() throws IOException {
    int port = socks.port();

    socks.setMode(Mode.REFUSE);
    assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
        .isInstanceOf(ConnectException.class);

    socks.setMode(Mode.NORMAL);
    assertThat(socks.port()).isEqualTo(port);
    try (RawSocks5 client = RawSocks5.connect(socks.address())) {
      assertThat(client.greet(RawSocks5.NO_AUTH)).containsExactly(5, 0);
    }
  }

  @Test
  void startingInRefuseModeStillReservesAPort() throws IOException {
    try (FaultSocks5Server refusing =
        FaultSocks5Server.start(FaultSocks5Server.Options.builder().mode(Mode.REFUSE).build())) {
      assertThat(refusing.port()).isPositive();
      assertThatThrownBy(() -> new Socket("127.0.0.1", refusing.port()).close())
          .isInstanceOf(ConnectException.class);
      refusing.setMode(Mode.NORMAL);
      new Socket("127.0.0.1", refusing.port()).close();
    }
  }

  @Test
  void resetForgetsTunnelsAndConnections() throws IOException {
    try (RawSocks5 client = RawSocks5.connect(socks.address())) {
      client.greet(RawSocks5.NO_AUTH);
      client.connectDomain("localhost", upstream.port());
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> socks.tunnelCount() == 1);

    socks.reset();

    assertThat(socks.tunnels()).isEmpty();
    assertThat(socks.connectionCount()).isZero();
  }

  @Test
  void optionsRejectInvalidValuesNamingTheField() {
    assertThatThrownBy(() -> FaultSocks5Server.Options.builder().port(-1).build())
        .hasMessageContaining("port");
    assertThatThrownBy(() -> FaultSocks5Server.Options.builder().cutAfterBytes(-1).build())
        .hasMessageContaining("cutAfterBytes");
    assertThatThrownBy(
            () ->
                FaultSocks5Server.Options.builder()
                    .failureStatus(io.netty.handler.codec.socksx.v5.Socks5CommandStatus.SUCCESS)
                    .build())
        .hasMessageContaining("failureStatus");
    assertThat(new FaultSocks5Server.Credentials("u", "hidden").toString())
        .doesNotContain("hidden");
  }

  private Outcome outcome() {
    return socks.tunnels().isEmpty() ? null : socks.tunnels().get(0).outcome();
  }
}
