package dev.aijobs.testkit.internal;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A TCP server on 127.0.0.1 (ephemeral port) with its own one-thread event loop, tracking every
 * connection it accepts (and any the handlers add to {@link #open()}) so that {@link #close()}
 * closes them all. The base of the testkit's small proxies. Thread-safe; do not close it from its
 * own event loop.
 */
public final class LoopbackServer implements AutoCloseable {
  private final EventLoopGroup group;
  private final Channel server;
  private final ChannelGroup open;
  private final AtomicBoolean closed = new AtomicBoolean();

  private LoopbackServer(EventLoopGroup group, Channel server, ChannelGroup open) {
    this.group = group;
    this.server = server;
    this.open = open;
  }

  /**
   * Binds and waits until bound.
   *
   * @param name used for the thread and in errors
   * @param autoRead whether accepted connections start reading at once
   * @param init sets up each accepted connection's pipeline
   * @throws IllegalStateException when it cannot bind
   */
  public static LoopbackServer start(String name, boolean autoRead, Consumer<SocketChannel> init) {
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory(name, true), NioIoHandler.newFactory());
    ChannelGroup open = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    ChannelFuture bind =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.AUTO_READ, autoRead)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    open.add(ch);
                    init.accept(ch);
                  }
                })
            .bind("127.0.0.1", 0)
            .awaitUninterruptibly();
    if (!bind.isSuccess()) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw new IllegalStateException(name + " cannot bind 127.0.0.1", bind.cause());
    }
    return new LoopbackServer(group, bind.channel(), open);
  }

  /** The connections closed with the server; handlers add the ones they open. */
  public ChannelGroup open() {
    return open;
  }

  /** The bound port on 127.0.0.1. */
  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** Stops listening and closes every tracked connection; idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      server.close().awaitUninterruptibly();
      open.close().awaitUninterruptibly();
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
  }
}
