package dev.aijobs.testkit.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.ssl.SslContext;
import java.time.Clock;
import java.util.Optional;

/** Builds the pipeline of each accepted mock-upstream connection. Thread-safe. */
public final class UpstreamInitializer extends ChannelInitializer<SocketChannel> {

  /** Largest request body accepted; larger ones get 413 from the aggregator. */
  public static final int MAX_CONTENT_LENGTH = 8 * 1024 * 1024;

  private final ObjectMapper mapper = new ObjectMapper();
  private final UpstreamCounters counters;
  private final ConnectionCounter connectionCounter;
  private final ResponsePlanner planner;
  private final LatencyModel latency;
  private final Optional<SslContext> tls;

  /**
   * Creates the initializer.
   *
   * @param counters counters shared by all connections
   * @param latency the server-wide answer delay
   * @param tls the server TLS context when serving HTTPS
   */
  public UpstreamInitializer(
      UpstreamCounters counters, LatencyModel latency, Optional<SslContext> tls) {
    this.tls = tls;
    this.counters = counters;
    this.connectionCounter = new ConnectionCounter(counters);
    this.planner = new ResponsePlanner(mapper, counters, Clock.systemUTC());
    this.latency = latency;
  }

  @Override
  protected void initChannel(SocketChannel channel) {
    ChannelPipeline pipeline = channel.pipeline();
    pipeline.addLast("connections", connectionCounter);
    tls.ifPresent(context -> pipeline.addLast("tls", context.newHandler(channel.alloc())));
    pipeline.addLast("http", new HttpServerCodec());
    pipeline.addLast("keep-alive", new HttpServerKeepAliveHandler());
    pipeline.addLast("aggregator", new HttpObjectAggregator(MAX_CONTENT_LENGTH));
    CallTracker calls = new CallTracker();
    pipeline.addLast("calls", calls);
    pipeline.addLast(
        "chat-completions", new ChatCompletionHandler(mapper, counters, planner, latency, calls));
  }
}
