package dev.aijobs.testkit.internal.socks;

import dev.aijobs.testkit.FaultSocks5Server.Mode;
import dev.aijobs.testkit.SocksTunnel;
import dev.aijobs.testkit.SocksTunnel.AddressType;
import dev.aijobs.testkit.SocksTunnel.Outcome;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** The live, thread-safe record of one tunnel; {@link #snapshot()} makes the public view. */
public final class TunnelState {

  private final InetSocketAddress client;
  private final String host;
  private final int port;
  private final AddressType addressType;
  private final Optional<String> username;
  private final Mode mode;
  private final AtomicLong toTarget = new AtomicLong();
  private final AtomicLong fromTarget = new AtomicLong();
  private final AtomicReference<Outcome> outcome = new AtomicReference<>(Outcome.CONNECTING);

  TunnelState(
      InetSocketAddress client,
      String host,
      int port,
      AddressType addressType,
      Optional<String> username,
      Mode mode) {
    this.client = client;
    this.host = host;
    this.port = port;
    this.addressType = addressType;
    this.username = username;
    this.mode = mode;
  }

  void addToTarget(long bytes) {
    toTarget.addAndGet(bytes);
  }

  void addFromTarget(long bytes) {
    fromTarget.addAndGet(bytes);
  }

  long fromTarget() {
    return fromTarget.get();
  }

  void outcome(Outcome value) {
    outcome.set(value);
  }

  /** Marks the tunnel closed unless a more specific outcome was already recorded. */
  void closedIfOpen() {
    outcome.compareAndSet(Outcome.OPEN, Outcome.CLOSED);
  }

  /** Returns an immutable view of the tunnel now. */
  public SocksTunnel snapshot() {
    return new SocksTunnel(
        client,
        host,
        port,
        addressType,
        username,
        mode,
        toTarget.get(),
        fromTarget.get(),
        outcome.get());
  }
}
