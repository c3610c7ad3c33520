package dev.aijobs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.aijobs.testkit.FaultSocks5Server.Mode;
import dev.aijobs.testkit.SocksTunnel.Outcome;
import io.netty.handler.codec.socksx.v5.Socks5CommandStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each fault mode as a hand-written SOCKS5 client sees it. "Nothing arrives" is shown by a short
 * read timeout that only bounds how long the test looks.
 */
class FaultSocks5ModesTest {

  private static final int LOOK_MILLIS = 300;

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
  void closeOnAcceptClosesWithoutAByte() throws IOException {
    socks.setMode(Mode.CLOSE_ON_ACCEPT);
    try (RawSocks5 client = RawSocks5.connect(socks.address())) {
      assertThat(client.in.read()).isEqualTo(-1);
    }
    assertThat(socks.connectionCount()).isEqualTo(1);
    assertThat(socks.tunnelCount()).isZero();
  }

  @Test
  void authRejectAsksForAPasswordAndRejectsIt() throws IOException {
    socks.setMode(Mode.AUTH_REJECT);
    try (RawSocks5 client = RawSocks5.connect(socks.address())) {
      assertThat(client.greet(RawSocks5.NO_AUTH, RawSocks5.PASSWORD)).containsExactly(5, 2);
      assertThat(client.auth("any", "thing")).isEqualTo(0xff);
      assertThat(client.in.read()).isEqualTo(-1);
    }
    try (RawSocks5 client = RawSocks5.connect(socks.address())) {
      assertThat(client.greet(RawSocks5.NO_AUTH)).containsExactly(5, 0xff);
    }
    assertThat(socks.tunnelCount()).isZero();
  }

  @Test
  void noAcceptableMethodAnswersFfAndCloses() throws IOException {
    socks.setMode(Mode.NO_ACCEPTABLE_METHOD);
    try (RawSocks5 client = RawSocks5.connect(socks.address())) {
      assertThat(client.greet(RawSocks5.NO_AUTH, RawSocks5.PASSWORD)).containsExactly(5, 0xff);
      assertThat(client.in.read()).isEqualTo(-1);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"FAILURE", "FORBIDDEN", "HOST_UNREACHABLE", "CONNECTION_REFUSED"})
  void replyFailureAnswersConnectWithTheConfiguredStatus(String name) throws IOException {
    Socks5CommandStatus status = statusNamed(name);
    socks.setFailureStatus(status);
    socks.setMode(Mode.REPLY_FAILURE);
    try (RawSocks5 client = RawSocks5.connect(socks.address())) {
      assertThat(client.greet(RawSocks5.NO_AUTH)).containsExactly(5, 0);
      assertThat(client.connectDomain("localhost", upstream.port()))
          .isEqualTo(status.byteValue() & 0xff);
      assertThat(client.in.read()).isEqualTo(-1);
    }
    assertThat(socks.tunnels())
        .singleElement()
        .satisfies(t -> assertThat(t.outcome()).isEqualTo(Outcome.REPLY_FAILURE));
    assertThat(upstream.openConnections()).isZero();
  }

  @Test
  void stallHandshakeNeverAnswersTheGreeting() throws IOException {
    socks.setMode(Mode.STALL_HANDSHAKE);
    try (RawSocks5 client = RawSocks5.connect(socks.address())) {
      client.out.write(new byte[] {5, 1, 0});
      client.out.flush();
      client.socket.setSoTimeout(LOOK_MILLIS);
      assertThatThrownBy(client.in::read).isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void garbageAnswersTheGreetingWithSomethingThatIsNotSocks5() throws IOException {
    socks.setMode(Mode.GARBAGE);
    try (RawSocks5 client = RawSocks5.connect(socks.address())) {
      byte[] reply = client.greet(RawSocks5.NO_AUTH);
      assertThat(reply).hasSize(2);
      assertThat(reply[0]).isNotEqualTo((byte) 5);
    }
  }

  @Test
  void blackholeRepliesSuccessThenRelaysNothing() throws IOException {
    socks.setMode(Mode.BLACKHOLE_AFTER_CONNECT);
    try (RawSocks5 client = RawSocks5.connect(socks.address())) {
      client.greet(RawSocks5.NO_AUTH);
      assertThat(client.connectDomain("localhost", upstream.port())).isZero();
      client.send(FaultSocks5ServerTest.REQUEST);
      client.socket.setSoTimeout(LOOK_MILLIS);
      assertThatThrownBy(client.in::read).isInstanceOf(SocketTimeoutException.class);
    }
    assertThat(upstream.requestCount()).isZero();
    assertThat(socks.tunnels().get(0).outcome()).isEqualTo(Outcome.BLACKHOLED);
  }

  @Test
  void closeMidResponseRelaysTheFirstBytesThenCloses() throws IOException {
    socks.setMode(Mode.CLOSE_MID_RESPONSE);
    Ending ending = requestThroughTunnel();

    assertThat(ending.failure()).isNull();
    assertThat(new String(ending.bytes(), StandardCharsets.US_ASCII))
        .isEqualTo("HTTP/1.1 200 OK\r");
    assertThat(upstream.requestCount()).isEqualTo(1);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> socks.tunnels().get(0).outcome() == Outcome.CUT);
    assertThat(socks.tunnels().get(0).bytesFromTarget()).isEqualTo(16);
  }

  @Test
  void cutAfterBytesIsConfigurable() throws IOException {
    socks.setCutAfterBytes(4);
    socks.setMode(Mode.CLOSE_MID_RESPONSE);

    assertThat(requestThroughTunnel().bytes())
        .asString(StandardCharsets.US_ASCII)
        .isEqualTo("HTTP");
  }

  @Test
  void resetMidResponseEndsWithAConnectionReset() throws IOException {
    socks.setMode(Mode.RESET_MID_RESPONSE);
    Ending ending = requestThroughTunnel();

    assertThat(ending.failure()).isInstanceOf(SocketException.class).hasMessageContaining("reset");
    assertThat(ending.bytes().length).isLessThanOrEqualTo(16);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> socks.tunnels().get(0).outcome() == Outcome.RESET);
  }

  @Test
  void aModeSwitchAffectsNewConnectionsOnly() throws IOException {
    try (RawSocks5 before = RawSocks5.connect(socks.address())) {
      await().atMost(Duration.ofSeconds(5)).until(() -> socks.connectionCount() == 1);
      socks.setMode(Mode.NO_ACCEPTABLE_METHOD);
      assertThat(before.greet(RawSocks5.NO_AUTH)).containsExactly(5, 0);
    }
    try (RawSocks5 after = RawSocks5.connect(socks.address())) {
      assertThat(after.greet(RawSocks5.NO_AUTH)).containsExactly(5, 0xff);
    }
  }

  private Ending requestThroughTunnel() throws IOException {
    try (RawSocks5 client = RawSocks5.connect(socks.address())) {
      client.greet(RawSocks5.NO_AUTH);
      assertThat(client.connectDomain("localhost", upstream.port())).isZero();
      client.send(FaultSocks5ServerTest.REQUEST);
      return readUntilEnd(client.in);
    }
  }

  private static Socks5CommandStatus statusNamed(String name) {
    return switch (name) {
      case "FAILURE" -> Socks5CommandStatus.FAILURE;
      case "FORBIDDEN" -> Socks5CommandStatus.FORBIDDEN;
      case "HOST_UNREACHABLE" -> Socks5CommandStatus.HOST_UNREACHABLE;
      default -> Socks5CommandStatus.CONNECTION_REFUSED;
    };
  }

  /** Reads until the peer closes or resets; returns what arrived and how it ended. */
  private static Ending readUntilEnd(InputStream in) {
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    byte[] buffer = new byte[1024];
    try {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        received.write(buffer, 0, n);
      }
      return new Ending(received.toByteArray(), null);
    } catch (IOException e) {
      return new Ending(received.toByteArray(), e);
    }
  }

  /** What {@link #readUntilEnd} saw; {@code failure} is null for a clean close. */
  private record Ending(byte[] bytes, IOException failure) {}
}
