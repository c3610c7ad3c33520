package dev.aijobs.worker.route;

import dev.aijobs.worker.route.AttemptTrace.LocalTimeout;
import io.netty.handler.proxy.ProxyConnectException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * The one place that decides what an attempt's failure was: proxy layer, provider, or local. It
 * looks at the exception chain <em>and</em> at how far the attempt got ({@link AttemptTrace}),
 * because a dead proxy surfaces as a plain {@link ConnectException} to the proxy's address, and
 * Netty's {@link ProxyConnectException} is itself a {@code ConnectException}.
 *
 * <p>The rule, for a proxied attempt: cancelled or pool exhausted → local; a {@code
 * ProxyConnectException} anywhere in the chain → proxy; no connection attempted → local (target
 * DNS) unless the unknown host is the proxy's; connection attempted but the tunnel never came up →
 * proxy; otherwise → provider. Once the tunnel is up, nothing is a proxy failure: the request may
 * have reached the provider. Pure function; never throws.
 */
public final class FailureClassifier {
  private FailureClassifier() {}

  /** Classifies {@code failure} (may be null when only a local clock fired). */
  public static FailureKind classify(Throwable failure, AttemptTrace trace) {
    if (trace.localTimeout() != null) {
      return byLocalTimeout(trace);
    }
    if (has(failure, CancellationException.class) || isPoolExhausted(failure)) {
      return FailureKind.LOCAL;
    }
    if (trace.viaProxy() && has(failure, ProxyConnectException.class)) {
      return FailureKind.PROXY_HANDSHAKE;
    }
    if (!trace.connectAttempted()) {
      UnknownHostException unknown = find(failure, UnknownHostException.class);
      if (unknown != null) {
        return trace.viaProxy() && mentions(unknown, trace.proxyHost())
            ? FailureKind.PROXY_DNS
            : FailureKind.DNS_FAILED;
      }
      if (isConnectFailure(failure)) {
        return trace.viaProxy() ? FailureKind.PROXY_UNREACHABLE : FailureKind.CONNECT_FAILED;
      }
      return FailureKind.LOCAL;
    }
    if (trace.viaProxy() && !trace.tunnelUp()) {
      return trace.tcpConnected() || !isConnectFailure(failure)
          ? FailureKind.PROXY_HANDSHAKE
          : FailureKind.PROXY_UNREACHABLE;
    }
    if (!trace.tunnelUp() && isConnectFailure(failure)) {
      return FailureKind.CONNECT_FAILED;
    }
    if (has(failure, TimeoutException.class)) {
      return trace.responseStarted() ? FailureKind.IDLE_TIMEOUT : FailureKind.SILENT_TIMEOUT;
    }
    if (has(failure, SSLException.class) && !trace.responseStarted()) {
      return FailureKind.TLS_FAILED;
    }
    if (has(failure, IOException.class)) {
      return trace.responseStarted()
          ? FailureKind.CUT_MID_RESPONSE
          : FailureKind.CLOSED_BEFORE_RESPONSE;
    }
    return FailureKind.LOCAL;
  }

  private static FailureKind byLocalTimeout(AttemptTrace trace) {
    LocalTimeout t = trace.localTimeout();
    if (t == LocalTimeout.DEADLINE) {
      return FailureKind.DEADLINE;
    }
    if (trace.viaProxy() && !trace.tunnelUp()) {
      return trace.tcpConnected() ? FailureKind.PROXY_HANDSHAKE : FailureKind.PROXY_UNREACHABLE;
    }
    return switch (t) {
      case CONNECT -> FailureKind.CONNECT_FAILED;
      case IDLE -> FailureKind.IDLE_TIMEOUT;
      default -> FailureKind.SILENT_TIMEOUT;
    };
  }

  private static boolean isConnectFailure(Throwable t) {
    return has(t, ConnectException.class)
        || has(t, io.netty.channel.ConnectTimeoutException.class)
        || has(t, NoRouteToHostException.class);
  }

  private static boolean isPoolExhausted(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c.getClass().getSimpleName().equals("TooManyConnectionsException")
          || c.getClass().getSimpleName().equals("TooManyConnectionsPerHostException")) {
        return true;
      }
    }
    return false;
  }

  private static boolean mentions(Throwable t, String host) {
    return host != null && t.getMessage() != null && t.getMessage().contains(host);
  }

  private static boolean has(Throwable t, Class<? extends Throwable> type) {
    return find(t, type) != null;
  }

  private static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return null;
  }
}
