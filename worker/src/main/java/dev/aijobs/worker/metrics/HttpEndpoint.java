package dev.aijobs.worker.metrics;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
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
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The worker's small HTTP endpoint on the shared event loop: {@code GET /metrics} (Prometheus
 * text), {@code /health/live} (200 while the worker is live, see {@link Probes}) and {@code
 * /health/ready} (200 while consuming, else 503).
 *
 * <p>Scrapes render off the event loop, one at a time: a scrape that arrives while another renders
 * gets that render's text (see {@link SharedScrape}); a failed render answers 500. Health requests
 * are answered on the event loop at once and never wait for a scrape on another connection.
 * Responses on one connection keep the order of its requests (requests pipelined behind a scrape
 * wait for it). A connection idle for {@link #DEFAULT_IDLE_TIMEOUT} is closed (never while its
 * scrape renders), and a connection beyond {@link #DEFAULT_MAX_CONNECTIONS} open ones is closed as
 * soon as it is accepted.
 */
public final class HttpEndpoint implements AutoCloseable {
  /**
   * What the health endpoints answer.
   *
   * @param live {@code /health/live}: 200 while true (the process is worth keeping)
   * @param ready {@code /health/ready}: 200 while true (consuming)
   */
  public record Probes(BooleanSupplier live, BooleanSupplier ready) {}

  /**
   * Keep-alive connections idle this long are closed: twice the longest usual scrape interval (60
   * s), so Prometheus keeps reusing its connection, while connections left open by other clients
   * (or half-open after a network failure) go away.
   */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(120);

  /**
   * At most this many open connections; more are closed when accepted. Two Prometheus servers and
   * the kubelet's probes need a handful; the cap only keeps a misbehaving client from holding
   * sockets and buffers.
   */
  public static final int DEFAULT_MAX_CONNECTIONS = 32;

  private static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final Channel channel;
  private final ChannelGroup connections;
  private final AtomicInteger open;
  private final LongAdder scrapeRequests;

  private HttpEndpoint(
      Channel channel, ChannelGroup connections, AtomicInteger open, LongAdder scrapeRequests) {
    this.channel = channel;
    this.connections = connections;
    this.open = open;
    this.scrapeRequests = scrapeRequests;
  }

  /**
   * Binds the endpoint with {@link #DEFAULT_IDLE_TIMEOUT} and {@link #DEFAULT_MAX_CONNECTIONS};
   * blocks until bound (call it at start-up, not on an event loop). {@code scrape} runs on {@code
   * scrapes}, never on the event loop.
   */
  public static HttpEndpoint start(
      EventLoopGroup group,
      String host,
      int port,
      Supplier<String> scrape,
      Probes probes,
      Executor scrapes)
      throws InterruptedException {
    return start(
        group, host, port, scrape, probes, scrapes, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS);
  }

  /** As {@link #start(EventLoopGroup, String, int, Supplier, Probes, Executor)}. */
  static HttpEndpoint start(
      EventLoopGroup group,
      String host,
      int port,
      Supplier<String> scrape,
      Probes probes,
      Executor scrapes,
      Duration idleTimeout,
      int maxConnections)
      throws InterruptedException {
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("idleTimeout must be > 0");
    }
    if (maxConnections <= 0) {
      throw new IllegalArgumentException("maxConnections must be > 0");
    }
    SharedScrape shared = new SharedScrape(scrape, scrapes);
    ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    AtomicInteger open = new AtomicInteger();
    LongAdder scrapeRequests = new LongAdder();
    ServerBootstrap b =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (open.incrementAndGet() > maxConnections) {
                      open.decrementAndGet();
                      ch.close();
                      return;
                    }
                    ch.closeFuture().addListener(f -> open.decrementAndGet());
                    connections.add(ch);
                    ch.pipeline()
                        .addLast(
                            new IdleStateHandler(
                                0, 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS))
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpServerKeepAliveHandler())
                        .addLast(new HttpObjectAggregator(64 * 1024))
                        .addLast(new Handler(shared, probes, scrapeRequests));
                  }
                });
    Channel server = b.bind(host, port).sync().channel();
    return new HttpEndpoint(server, connections, open, scrapeRequests);
  }

  /** The bound port. */
  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  /** Open client connections (for tests). */
  int openConnections() {
    return open.get();
  }

  /** {@code /metrics} requests taken so far, shared renders included (for tests). */
  long scrapeRequests() {
    return scrapeRequests.sum();
  }

  /** Stops accepting and closes every open connection. */
  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    connections.close().awaitUninterruptibly();
  }

  /** One per connection; all its state is touched on the connection's event loop only. */
  private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final SharedScrape scrape;
    private final Probes probes;
    private final LongAdder scrapeRequests;
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
    private boolean scraping;

    Handler(SharedScrape scrape, Probes probes, LongAdder scrapeRequests) {
      this.scrape = scrape;
      this.probes = probes;
      this.scrapeRequests = scrapeRequests;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      if (scraping) {
        // Pipelined behind a scrape: its response must follow the scrape's. Stop reading more.
        waiting.add(req.retain());
        ctx.channel().config().setAutoRead(false);
        return;
      }
      handle(ctx, req);
    }

    private void handle(ChannelHandlerContext ctx, FullHttpRequest req) {
      String path = req.uri();
      int q = path.indexOf('?');
      if (q >= 0) {
        path = path.substring(0, q);
      }
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      if (path.equals("/metrics")) {
        scrapeRequests.increment();
        scraping = true;
        scrape
            .get()
            .whenComplete(
                (body, error) ->
                    ctx.executor().execute(() -> scraped(ctx, body, error, keepAlive)));
        return;
      }
      FullHttpResponse resp =
          switch (path) {
            case "/health/live" ->
                probes.live().getAsBoolean()
                    ? response(HttpResponseStatus.OK, "text/plain", "live\n")
                    : response(HttpResponseStatus.SERVICE_UNAVAILABLE, "text/plain", "not live\n");
            case "/health/ready" ->
                probes.ready().getAsBoolean()
                    ? response(HttpResponseStatus.OK, "text/plain", "ready\n")
                    : response(HttpResponseStatus.SERVICE_UNAVAILABLE, "text/plain", "not ready\n");
            default -> response(HttpResponseStatus.NOT_FOUND, "text/plain", "not found\n");
          };
      send(ctx, resp, keepAlive);
    }

    private void scraped(
        ChannelHandlerContext ctx, String body, Throwable error, boolean keepAlive) {
      FullHttpResponse resp =
          error == null
              ? response(HttpResponseStatus.OK, PROMETHEUS_TYPE, body)
              : response(HttpResponseStatus.INTERNAL_SERVER_ERROR, "text/plain", "scrape failed\n");
      send(ctx, resp, keepAlive);
      scraping = false;
      while (!scraping && !waiting.isEmpty()) {
        FullHttpRequest next = waiting.poll();
        try {
          handle(ctx, next);
        } finally {
          next.release();
        }
      }
      if (!scraping) {
        ctx.channel().config().setAutoRead(true);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof IdleStateEvent) {
        // A connection waiting for its scrape is quiet, not idle; the next period checks again.
        if (!scraping) {
          ctx.close();
        }
        return;
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      FullHttpRequest r;
      while ((r = waiting.poll()) != null) {
        r.release();
      }
      super.channelInactive(ctx);
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
