package dev.aijobs.testkit;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link FaultSocks5Server} saw of one SOCKS5 CONNECT request: a snapshot, taken when {@link
 * FaultSocks5Server#tunnels()} was called. Immutable.
 *
 * @param client the client's address
 * @param host the requested host exactly as sent (a name, or an IP literal)
 * @param port the requested port
 * @param addressType how the client sent the host
 * @param username the authenticated user, empty without authentication
 * @param mode the server's mode when the connection was accepted
 * @param bytesToTarget bytes relayed from the client to the target
 * @param bytesFromTarget bytes relayed from the target to the client
 * @param outcome what became of the tunnel so far
 */
public record SocksTunnel(
    InetSocketAddress client,
    String host,
    int port,
    AddressType addressType,
    Optional<String> username,
    FaultSocks5Server.Mode mode,
    long bytesToTarget,
    long bytesFromTarget,
    Outcome outcome) {

  /** Validates the fields. */
  public SocksTunnel {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(addressType, "addressType");
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(outcome, "outcome");
  }

  /** How a SOCKS5 request named its target (the {@code ATYP} byte). */
  public enum AddressType {
    /** A host name, resolved by the proxy ("socks5h" behaviour). */
    DOMAIN,
    /** An IPv4 address, resolved by the client. */
    IPV4,
    /** An IPv6 address, resolved by the client. */
    IPV6
  }

  /** What became of a CONNECT request. */
  public enum Outcome {
    /** The proxy is still connecting to the target. */
    CONNECTING,
    /** Bytes are being relayed. */
    OPEN,
    /** Relayed, then closed by either side. */
    CLOSED,
    /** The target could not be reached; the client got a failure reply. */
    TARGET_UNREACHABLE,
    /** The client got the injected failure reply ({@code REPLY_FAILURE} mode). */
    REPLY_FAILURE,
    /** The client got SUCCESS but nothing is relayed ({@code BLACKHOLE_AFTER_CONNECT} mode). */
    BLACKHOLED,
    /** Closed after the first bytes from the target ({@code CLOSE_MID_RESPONSE} mode). */
    CUT,
    /** Reset after the first bytes from the target ({@code RESET_MID_RESPONSE} mode). */
    RESET,
    /** The command was not CONNECT; the client got COMMAND_UNSUPPORTED. */
    UNSUPPORTED_COMMAND
  }
}
