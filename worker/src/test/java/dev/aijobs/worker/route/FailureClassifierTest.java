package dev.aijobs.worker.route;

import static dev.aijobs.worker.route.FailureKind.CLOSED_BEFORE_RESPONSE;
import static dev.aijobs.worker.route.FailureKind.CONNECT_FAILED;
import static dev.aijobs.worker.route.FailureKind.CUT_MID_RESPONSE;
import static dev.aijobs.worker.route.FailureKind.DEADLINE;
import static dev.aijobs.worker.route.FailureKind.DNS_FAILED;
import static dev.aijobs.worker.route.FailureKind.IDLE_TIMEOUT;
import static dev.aijobs.worker.route.FailureKind.LOCAL;
import static dev.aijobs.worker.route.FailureKind.PROXY_DNS;
import static dev.aijobs.worker.route.FailureKind.PROXY_HANDSHAKE;
import static dev.aijobs.worker.route.FailureKind.PROXY_UNREACHABLE;
import static dev.aijobs.worker.route.FailureKind.SILENT_TIMEOUT;
import static dev.aijobs.worker.route.FailureKind.TLS_FAILED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aijobs.worker.route.AttemptTrace.LocalTimeout;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.proxy.ProxyConnectException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One row per failure seen in the lab (field notes) plus the worker's own clocks. */
class FailureClassifierTest {
  private static final String PROXY = "proxy.internal";

  /** Stages of an attempt. */
  private enum At {
    NOTHING(false, false, false, false),
    CONNECTING(true, false, false, false),
    TCP_UP(true, true, false, false),
    TUNNEL_UP(true, true, true, false),
    RESPONDING(true, true, true, true);

    final boolean attempted;
    final boolean tcp;
    final boolean tunnel;
    final boolean response;

    At(boolean attempted, boolean tcp, boolean tunnel, boolean response) {
      this.attempted = attempted;
      this.tcp = tcp;
      this.tunnel = tunnel;
      this.response = response;
    }
  }

  static Stream<Arguments> rows() {
    return Stream.of(
        // proxied attempts
        row(
            "proxy refuses TCP",
            true,
            At.CONNECTING,
            new ConnectException("Connection refused: " + PROXY + "/10.0.0.1:1080"),
            null,
            PROXY_UNREACHABLE),
        row(
            "proxy TCP connect times out",
            true,
            At.CONNECTING,
            new ConnectTimeoutException("connection timed out: " + PROXY),
            null,
            PROXY_UNREACHABLE),
        row(
            "SOCKS auth rejected",
            true,
            At.TCP_UP,
            new ProxyConnectException("socks5, none, " + PROXY + ", authStatus: FAILURE(255)"),
            null,
            PROXY_HANDSHAKE),
        row(
            "SOCKS no acceptable method",
            true,
            At.TCP_UP,
            new ProxyConnectException("unexpected authMethod: UNACCEPTED(255)"),
            null,
            PROXY_HANDSHAKE),
        row(
            "SOCKS reply CONNECTION_REFUSED",
            true,
            At.TCP_UP,
            new ProxyConnectException("status: CONNECTION_REFUSED(5)"),
            null,
            PROXY_HANDSHAKE),
        row(
            "SOCKS reply HOST_UNREACHABLE",
            true,
            At.TCP_UP,
            new ProxyConnectException("status: HOST_UNREACHABLE(4)"),
            null,
            PROXY_HANDSHAKE),
        row(
            "SOCKS reply FORBIDDEN",
            true,
            At.TCP_UP,
            new ProxyConnectException("status: FORBIDDEN(2)"),
            null,
            PROXY_HANDSHAKE),
        row(
            "SOCKS handshake stalls (Netty timeout)",
            true,
            At.TCP_UP,
            new ProxyConnectException("timeout"),
            null,
            PROXY_HANDSHAKE),
        row(
            "SOCKS handshake stalls, HTTPS handshake timeout",
            true,
            At.TCP_UP,
            new SslHandshakeTimeoutException("handshake timed out"),
            null,
            PROXY_HANDSHAKE),
        row(
            "proxy answers garbage (HTTPS)",
            true,
            At.TCP_UP,
            new NotSslRecordException("not an SSL/TLS record"),
            null,
            PROXY_HANDSHAKE),
        row(
            "proxy answers garbage (HTTP)",
            true,
            At.TCP_UP,
            new IllegalArgumentException("invalid version format"),
            null,
            PROXY_HANDSHAKE),
        row(
            "ProxyConnectException wrapped",
            true,
            At.TCP_UP,
            new IOException("wrapped", new ProxyConnectException("status: FAILURE(1)")),
            null,
            PROXY_HANDSHAKE),
        row(
            "proxy closes during handshake",
            true,
            At.TCP_UP,
            new IOException("Remotely closed"),
            null,
            PROXY_HANDSHAKE),
        row(
            "proxy host does not resolve",
            true,
            At.NOTHING,
            new UnknownHostException(PROXY + ": Name or service not known"),
            null,
            PROXY_DNS),
        row(
            "target does not resolve locally",
            true,
            At.NOTHING,
            new UnknownHostException("api.example.invalid"),
            null,
            DNS_FAILED),
        row(
            "connect clock fires before TCP",
            true,
            At.CONNECTING,
            null,
            LocalTimeout.CONNECT,
            PROXY_UNREACHABLE),
        row(
            "connect clock fires during handshake",
            true,
            At.TCP_UP,
            null,
            LocalTimeout.CONNECT,
            PROXY_HANDSHAKE),
        row(
            "first-data clock, tunnel never up",
            true,
            At.TCP_UP,
            null,
            LocalTimeout.FIRST_DATA,
            PROXY_HANDSHAKE),
        row(
            "tunnel up, bad target certificate",
            true,
            At.TUNNEL_UP,
            new SSLHandshakeException("PKIX path building failed"),
            null,
            TLS_FAILED),
        row(
            "tunnel up, reset before response",
            true,
            At.TUNNEL_UP,
            new SocketException("Connection reset"),
            null,
            CLOSED_BEFORE_RESPONSE),
        row(
            "tunnel up, closed mid-response",
            true,
            At.RESPONDING,
            new IOException("Remotely closed"),
            null,
            CUT_MID_RESPONSE),
        row(
            "tunnel up, reset mid-response",
            true,
            At.RESPONDING,
            new SocketException("Connection reset"),
            null,
            CUT_MID_RESPONSE),
        row(
            "tunnel up, read timeout before response",
            true,
            At.TUNNEL_UP,
            new TimeoutException("Read timeout to api after 60000 ms"),
            null,
            SILENT_TIMEOUT),
        row(
            "tunnel up, request timeout mid-response",
            true,
            At.RESPONDING,
            new TimeoutException("Request timeout"),
            null,
            IDLE_TIMEOUT),
        row(
            "tunnel up, first-data clock",
            true,
            At.TUNNEL_UP,
            null,
            LocalTimeout.FIRST_DATA,
            SILENT_TIMEOUT),
        row(
            "tunnel up, idle clock mid-stream",
            true,
            At.RESPONDING,
            null,
            LocalTimeout.IDLE,
            IDLE_TIMEOUT),
        row("deadline clock", true, At.TCP_UP, null, LocalTimeout.DEADLINE, DEADLINE),
        row("cancelled", true, At.TUNNEL_UP, new CancellationException(), null, LOCAL),
        row("pool exhausted", true, At.NOTHING, new TooManyConnectionsException(), null, LOCAL),
        // direct attempts
        row(
            "direct: provider refuses TCP",
            false,
            At.CONNECTING,
            new ConnectException("Connection refused"),
            null,
            CONNECT_FAILED),
        row(
            "direct: ProxyConnectException is not a proxy fault",
            false,
            At.CONNECTING,
            new ConnectTimeoutException("timed out"),
            null,
            CONNECT_FAILED),
        row(
            "direct: DNS failure",
            false,
            At.NOTHING,
            new UnknownHostException("api.example.invalid"),
            null,
            DNS_FAILED),
        row(
            "direct: connect clock",
            false,
            At.CONNECTING,
            null,
            LocalTimeout.CONNECT,
            CONNECT_FAILED),
        row(
            "direct: bad certificate",
            false,
            At.TCP_UP,
            new SSLHandshakeException("PKIX"),
            null,
            TLS_FAILED),
        row(
            "direct: reset before response",
            false,
            At.TUNNEL_UP,
            new SocketException("Connection reset"),
            null,
            CLOSED_BEFORE_RESPONSE),
        row(
            "direct: closed mid-response",
            false,
            At.RESPONDING,
            new IOException("Remotely closed"),
            null,
            CUT_MID_RESPONSE),
        row(
            "direct: silent provider",
            false,
            At.TUNNEL_UP,
            null,
            LocalTimeout.FIRST_DATA,
            SILENT_TIMEOUT),
        row(
            "direct: unexpected bug",
            false,
            At.RESPONDING,
            new IllegalStateException("bug"),
            null,
            LOCAL));
  }

  private static Arguments row(
      String name,
      boolean viaProxy,
      At at,
      Throwable failure,
      LocalTimeout clock,
      FailureKind expected) {
    AttemptTrace trace =
        new AttemptTrace(
            viaProxy, viaProxy ? PROXY : null, at.attempted, at.tcp, at.tunnel, at.response, clock);
    return Arguments.of(Named.of(name, failure), trace, expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void classifies(Throwable failure, AttemptTrace trace, FailureKind expected) {
    assertThat(FailureClassifier.classify(failure, trace)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void onlyAttemptsWithoutATunnelAreProxyFaults(
      Throwable failure, AttemptTrace trace, FailureKind expected) {
    if (FailureClassifier.classify(failure, trace).isProxyFault()) {
      assertThat(trace.viaProxy()).isTrue();
      assertThat(trace.tunnelUp()).isFalse();
      assertThat(trace.responseStarted()).isFalse();
    }
  }

  /** Stands in for AsyncHttpClient's exception of the same simple name. */
  private static final class TooManyConnectionsException extends IOException {
    private static final long serialVersionUID = 1L;
  }
}
