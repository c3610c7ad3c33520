package dev.aijobs.testkit.internal.socks;

import dev.aijobs.testkit.FaultSocks5Server.Mode;
import dev.aijobs.testkit.SocksTunnel;
import dev.aijobs.testkit.SocksTunnel.AddressType;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/** Every tunnel and accepted connection of one SOCKS5 server since start or reset. Thread-safe. */
public final class TunnelLog {

  private final List<TunnelState> tunnels = new CopyOnWriteArrayList<>();
  private final LongAdder connections = new LongAdder();

  void connectionAccepted() {
    connections.increment();
  }

  TunnelState open(
      InetSocketAddress client,
      String host,
      int port,
      AddressType type,
      Optional<String> user,
      Mode mode) {
    TunnelState state = new TunnelState(client, host, port, type, user, mode);
    tunnels.add(state);
    return state;
  }

  /** Returns snapshots of every tunnel, oldest first. */
  public List<SocksTunnel> snapshot() {
    return tunnels.stream().map(TunnelState::snapshot).toList();
  }

  /** Returns the number of CONNECT requests recorded. */
  public int tunnelCount() {
    return tunnels.size();
  }

  /** Returns the number of TCP connections accepted, whatever became of them. */
  public long connectionCount() {
    return connections.sum();
  }

  /** Forgets every record; live tunnels keep running but are no longer listed. */
  public void reset() {
    tunnels.clear();
    connections.reset();
  }
}
