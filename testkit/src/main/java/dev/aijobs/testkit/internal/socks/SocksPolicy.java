package dev.aijobs.testkit.internal.socks;

import dev.aijobs.testkit.FaultSocks5Server.Credentials;
import dev.aijobs.testkit.FaultSocks5Server.Mode;
import io.netty.handler.codec.socksx.v5.Socks5CommandStatus;
import java.time.Duration;
import java.util.Optional;

/**
 * How one accepted connection is treated: the server's settings at the moment it was accepted.
 *
 * @param mode the fault mode
 * @param failureStatus the reply status of {@link Mode#REPLY_FAILURE}
 * @param cutAfterBytes target bytes relayed before a mid-response close or reset
 * @param credentials the user name and password required, empty for no authentication
 * @param connectTimeout how long to try reaching the target
 */
public record SocksPolicy(
    Mode mode,
    Socks5CommandStatus failureStatus,
    long cutAfterBytes,
    Optional<Credentials> credentials,
    Duration connectTimeout) {

  /** Returns this policy with another mode. */
  public SocksPolicy withMode(Mode value) {
    return new SocksPolicy(value, failureStatus, cutAfterBytes, credentials, connectTimeout);
  }

  /** Returns this policy with another failure reply. */
  public SocksPolicy withFailureStatus(Socks5CommandStatus value) {
    return new SocksPolicy(mode, value, cutAfterBytes, credentials, connectTimeout);
  }

  /** Returns this policy with another cut point. */
  public SocksPolicy withCutAfterBytes(long value) {
    return new SocksPolicy(mode, failureStatus, value, credentials, connectTimeout);
  }
}
