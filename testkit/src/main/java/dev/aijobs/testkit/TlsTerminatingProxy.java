package dev.aijobs.testkit;

import dev.aijobs.testkit.internal.Pipe;
import dev.aijobs.testkit.internal.SelfSignedTls;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
  private final EventLoopGroup group;
  private final Channel server;
  private final ChannelGroup open;
  private final AtomicInteger connections;
  private final AtomicBoolean closed = new AtomicBoolean();

  private TlsTerminatingProxy(
      EventLoopGroup group, Channel server, ChannelGroup open, AtomicInteger connections) {
    this.group = group;
    this.server = server;
    this.open = open;
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
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("tls-proxy", true), NioIoHandler.newFactory());
    ChannelGroup open = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    AtomicInteger connections = new AtomicInteger();
    ChannelFuture bind =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.AUTO_READ, false)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    connections.incrementAndGet();
                    open.add(ch);
                    ch.pipeline().addLast(new Connector(tls, target, open));
                  }
                })
            .bind("127.0.0.1", 0)
            .awaitUninterruptibly();
    if (!bind.isSuccess()) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw new IllegalStateException("TLS proxy cannot bind 127.0.0.1", bind.cause());
    }
    return new TlsTerminatingProxy(group, bind.channel(), open, connections);
  }

  /** Returns the TLS port on 127.0.0.1. */
  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** Returns a trust store holding the proxy's certificate, for clients. */
  public TrustStore trustStore() {
    SelfSignedTls material = SelfSignedTls.get();
    return new TrustStore(material.trustStore(), material.password(), "PKCS12");
  }

  /** Returns the number of client TCP connections accepted so far (handshake failures included). */
  public int connectionCount() {
    return connections.get();
  }

  /** Stops listening and closes every relayed connection; idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      server.close().awaitUninterruptibly();
      open.close().awaitUninterruptibly();
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
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
