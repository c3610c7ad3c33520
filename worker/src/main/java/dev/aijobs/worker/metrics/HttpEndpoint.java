package dev.aijobs.worker.metrics;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The worker's small HTTP endpoint on the shared event loop: {@code GET /metrics} (Prometheus
 * text), {@code /health/live} (200 while the process runs) and {@code /health/ready} (200 while
 * consuming, else 503).
 */
public final class HttpEndpoint implements AutoCloseable {
  private static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final Channel channel;

  private HttpEndpoint(Channel channel) {
    this.channel = channel;
  }

  /** Binds the endpoint; blocks until bound (call it at start-up, not on an event loop). */
  public static HttpEndpoint start(
      EventLoopGroup group,
      String host,
      int port,
      Supplier<String> scrape,
      BooleanSupplier ready,
      Executor scrapes)
      throws InterruptedException {
    ServerBootstrap b =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpServerKeepAliveHandler())
                        .addLast(new HttpObjectAggregator(64 * 1024))
                        .addLast(new Handler(scrape, ready, scrapes));
                  }
                });
    return new HttpEndpoint(b.bind(host, port).sync().channel());
  }

  /** The bound port. */
  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
  }

  private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Supplier<String> scrape;
    private final BooleanSupplier ready;
    private final Executor scrapes;

    Handler(Supplier<String> scrape, BooleanSupplier ready, Executor scrapes) {
      this.scrape = scrape;
      this.ready = ready;
      this.scrapes = scrapes;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      String path = req.uri();
      int q = path.indexOf('?');
      if (q >= 0) {
        path = path.substring(0, q);
      }
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      if (path.equals("/metrics")) {
        // A scrape walks every meter: off the event loop that AMQP and HTTP calls share.
        scrapes.execute(
            () -> {
              String body = scrape.get();
              ctx.executor()
                  .execute(
                      () ->
                          send(
                              ctx,
                              response(HttpResponseStatus.OK, PROMETHEUS_TYPE, body),
                              keepAlive));
            });
        return;
      }
      FullHttpResponse resp =
          switch (path) {
            case "/health/live" -> response(HttpResponseStatus.OK, "text/plain", "live\n");
            case "/health/ready" ->
                ready.getAsBoolean()
                    ? response(HttpResponseStatus.OK, "text/plain", "ready\n")
                    : response(HttpResponseStatus.SERVICE_UNAVAILABLE, "text/plain", "not ready\n");
            default -> response(HttpResponseStatus.NOT_FOUND, "text/plain", "not found\n");
          };
      send(ctx, resp, keepAlive);
    }

    private static void send(ChannelHandlerContext ctx, FullHttpResponse resp, boolean keepAlive) {
      HttpUtil.setKeepAlive(resp, keepAlive);
      if (keepAlive) {
        ctx.writeAndFlush(resp);
      } else {
        ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
      }
    }

    private static FullHttpResponse response(
        HttpResponseStatus status, String contentType, String body) {
      FullHttpResponse r =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              status,
              Unpooled.wrappedBuffer(body.getBytes(StandardCharsets.UTF_8)));
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
      r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
      return r;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
