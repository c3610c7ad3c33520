package dev.aijobs.testkit;

import dev.aijobs.testkit.internal.HttpProxyFrontHandler;
import dev.aijobs.testkit.internal.HttpProxyFrontHandler.Recorder;
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
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal HTTP forward proxy on 127.0.0.1 (ephemeral port), without authentication:
 *
 * <ul>
 *   <li>{@code CONNECT host:port} opens a TCP connection to the target, answers {@code HTTP/1.1 200
 *       Connection established} and relays bytes both ways (how clients reach {@code https://});
 *   <li>an absolute-form request such as {@code POST http://host:port/path HTTP/1.1} is sent to the
 *       target in origin-form ({@code POST /path}) over a fresh connection, and the (aggregated)
 *       response is returned; the client connection stays usable for the next request.
 * </ul>
 *
 * A target that cannot be reached gets {@code 502 Bad Gateway}. Every request is recorded as {@code
 * host:port}. Thread-safe. {@link #close()} must not be called from the proxy's event loop.
 */
public final class HttpConnectProxy implements AutoCloseable {
  private final EventLoopGroup group;
  private final Channel server;
  private final ChannelGroup open;
  private final Counts counts;
  private final AtomicBoolean closed = new AtomicBoolean();

  private HttpConnectProxy(EventLoopGroup group, Channel server, ChannelGroup open, Counts counts) {
    this.group = group;
    this.server = server;
    this.open = open;
    this.counts = counts;
  }

  /**
   * Starts a proxy and waits until it is bound.
   *
   * @return the running proxy
   * @throws IllegalStateException when it cannot bind
   */
  public static HttpConnectProxy start() {
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("http-proxy", true), NioIoHandler.newFactory());
    ChannelGroup open = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    Counts counts = new Counts();
    ChannelFuture bind =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    open.add(ch);
                    ch.pipeline()
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpObjectAggregator(64 << 20))
                        .addLast(new HttpProxyFrontHandler(counts, open));
                  }
                })
            .bind("127.0.0.1", 0)
            .awaitUninterruptibly();
    if (!bind.isSuccess()) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw new IllegalStateException("HTTP proxy cannot bind 127.0.0.1", bind.cause());
    }
    return new HttpConnectProxy(group, bind.channel(), open, counts);
  }

  /** Returns the port on 127.0.0.1. */
  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** Returns {@code http://127.0.0.1:PORT}, the form {@code PROXY_URL} takes. */
  public String url() {
    return "http://127.0.0.1:" + port();
  }

  /** Returns the number of CONNECT requests received. */
  public int connectCount() {
    return counts.connects.get();
  }

  /** Returns the number of absolute-form (forwarded) requests received. */
  public int forwardCount() {
    return counts.forwards.get();
  }

  /** Returns the {@code host:port} of every request so far, in arrival order. */
  public List<String> targets() {
    return List.copyOf(counts.targets);
  }

  /** Forgets the counts and targets recorded so far. */
  public void reset() {
    counts.connects.set(0);
    counts.forwards.set(0);
    counts.targets.clear();
  }

  /** Stops listening and closes every connection; idempotent. */
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
    return "HttpConnectProxy[" + url() + "]";
  }

  private static final class Counts implements Recorder {
    final AtomicInteger connects = new AtomicInteger();
    final AtomicInteger forwards = new AtomicInteger();
    final List<String> targets = new CopyOnWriteArrayList<>();

    @Override
    public void connect(String target) {
      targets.add(target);
      connects.incrementAndGet();
    }

    @Override
    public void forward(String target) {
      targets.add(target);
      forwards.incrementAndGet();
    }
  }
}
