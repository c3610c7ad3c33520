package dev.aijobs.testkit;

import dev.aijobs.testkit.internal.LoopbackServer;
import dev.aijobs.testkit.internal.Pipe;
import dev.aijobs.testkit.internal.SelfSignedTls;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TLS front for a plain TCP service, e.g. {@code amqps://} in front of a broker that only speaks
 * {@code amqp://}: listens on 127.0.0.1 (ephemeral port) with the testkit's self-signed certificate
 * for {@code 127.0.0.1}, {@code ::1} and {@code localhost}, and relays the decrypted bytes to the
 * target both ways. Each accepted connection gets its own target connection; when either side
 * closes, both close. Clients trust the certificate through {@link #trustStore()}.
 *
 * <p>Thread-safe. {@link #close()} must not be called from the proxy's own event loop.
 */
public final class TlsTerminatingProxy implements AutoCloseable {
  private final LoopbackServer server;
  private final AtomicInteger connections;

  private TlsTerminatingProxy(LoopbackServer server, AtomicInteger connections) {
    this.server = server;
    this.connections = connections;
  }

  /**
   * Starts a proxy relaying to {@code targetHost:targetPort}. Blocking: it may generate the
   * certificate (about a second, once per JVM).
   *
   * @param targetHost the plain service's host
   * @param targetPort the plain service's port
   * @return the running proxy
   * @throws IllegalStateException when it cannot bind or the certificate cannot be made
   */
  public static TlsTerminatingProxy start(String targetHost, int targetPort) {
    SslContext tls = SelfSignedTls.get().serverContext();
    InetSocketAddress target = InetSocketAddress.createUnresolved(targetHost, targetPort);
    AtomicInteger connections = new AtomicInteger();
    LoopbackServer[] self = new LoopbackServer[1];
    // Client bytes wait unread until the target connection is up.
    self[0] =
        LoopbackServer.start(
            "tls-proxy",
            false,
            ch -> {
              connections.incrementAndGet();
              ch.pipeline().addLast(new Connector(tls, target, self[0].open()));
            });
    return new TlsTerminatingProxy(self[0], connections);
  }

  /** Returns the TLS port on 127.0.0.1. */
  public int port() {
    return server.port();
  }

  /** Returns a trust store holding the proxy's certificate, for clients. */
  public TrustStore trustStore() {
    return SelfSignedTls.get().clientTrustStore();
  }

  /** Returns the number of client TCP connections accepted so far (handshake failures included). */
  public int connectionCount() {
    return connections.get();
  }

  /** Stops listening and closes every relayed connection; idempotent. */
  @Override
  public void close() {
    server.close();
  }

  @Override
  public String toString() {
    return "TlsTerminatingProxy[127.0.0.1:" + port() + "]";
  }

  /** Connects to the target first, then adds TLS and the relay (client bytes wait unread). */
  private static final class Connector extends ChannelInboundHandlerAdapter {
    private final SslContext tls;
    private final InetSocketAddress target;
    private final ChannelGroup open;

    Connector(SslContext tls, InetSocketAddress target, ChannelGroup open) {
      this.tls = tls;
      this.target = target;
      this.open = open;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      Channel client = ctx.channel();
      new Bootstrap()
          .group(client.eventLoop())
          .channel(NioSocketChannel.class)
          .option(ChannelOption.AUTO_READ, false)
          .option(ChannelOption.TCP_NODELAY, true)
          .handler(new ChannelInboundHandlerAdapter())
          .connect(target.getHostString(), target.getPort())
          .addListener(
              (ChannelFuture f) -> {
                if (!f.isSuccess()) {
                  client.close();
                  return;
                }
                open.add(f.channel());
                client.pipeline().remove(this);
                client.pipeline().addLast(tls.newHandler(client.alloc()));
                Pipe.join(client, f.channel());
              });
    }
  }
}
