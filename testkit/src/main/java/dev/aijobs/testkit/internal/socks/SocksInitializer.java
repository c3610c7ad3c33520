package dev.aijobs.testkit.internal.socks;

import dev.aijobs.testkit.FaultSocks5Server.Mode;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5ServerEncoder;
import java.util.function.Supplier;

/**
 * Builds each accepted connection's pipeline from the server's policy at accept time, so a mode
 * switch affects new connections only. Thread-safe.
 */
public final class SocksInitializer extends ChannelInitializer<SocketChannel> {

  private final Supplier<SocksPolicy> policy;
  private final TunnelLog log;

  /**
   * Creates the initializer.
   *
   * @param policy supplies the server's current policy
   * @param log records connections and tunnels
   */
  public SocksInitializer(Supplier<SocksPolicy> policy, TunnelLog log) {
    this.policy = policy;
    this.log = log;
  }

  @Override
  protected void initChannel(SocketChannel channel) {
    log.connectionAccepted();
    SocksPolicy current = policy.get();
    if (current.mode() == Mode.CLOSE_ON_ACCEPT) {
      channel.close();
      return;
    }
    channel
        .pipeline()
        .addLast(SocksSessionHandler.ENCODER, Socks5ServerEncoder.DEFAULT)
        .addLast(SocksSessionHandler.DECODER, new Socks5InitialRequestDecoder())
        .addLast("socks-session", new SocksSessionHandler(current, log));
  }
}
