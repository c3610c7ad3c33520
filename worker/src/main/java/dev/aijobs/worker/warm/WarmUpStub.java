package dev.aijobs.worker.warm;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
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
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The provider of the start-up warm-up: an OpenAI-compatible endpoint on loopback that answers
 * every chat completion, without parsing it, with the same short answer, as JSON or, when the
 * request accepts {@code text/event-stream}, as a stream of three events and {@code [DONE]}; at
 * once or after a fixed latency. The bench's throughput runs use it as their upstream too.
 */
public final class WarmUpStub implements AutoCloseable {
  private static final byte[] JSON =
      ("{\"id\":\"warm-up\",\"object\":\"chat.completion\",\"model\":\"warm-up\",\"choices\":[{\"index\":0,"
              + "\"message\":{\"role\":\"assistant\",\"content\":\"warm\"},\"finish_reason\":\"stop\"}],"
              + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}")
          .getBytes(StandardCharsets.UTF_8);
  private static final byte[] SSE =
      ("data: {\"id\":\"warm-up\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
              + "\"content\":\"wa\"}}]}\n\n"
              + "data: {\"id\":\"warm-up\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"rm\"},"
              + "\"finish_reason\":\"stop\"}]}\n\n"
              + "data: {\"id\":\"warm-up\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,"
              + "\"completion_tokens\":1,\"total_tokens\":4}}\n\n"
              + "data: [DONE]\n\n")
          .getBytes(StandardCharsets.UTF_8);

  private final Channel server;

  private WarmUpStub(Channel server) {
    this.server = server;
  }

  /** Binds to an ephemeral port on 127.0.0.1; blocks until bound (call it off the event loop). */
  public static WarmUpStub start(EventLoopGroup group) throws InterruptedException {
    return start(group, 0);
  }

  /** As {@link #start(EventLoopGroup)}, answering each request {@code latencyMs} after it came. */
  public static WarmUpStub start(EventLoopGroup group, long latencyMs) throws InterruptedException {
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
                        .addLast(new HttpObjectAggregator(1 << 20))
                        .addLast(new Answer(latencyMs));
                  }
                });
    return new WarmUpStub(b.bind("127.0.0.1", 0).sync().channel());
  }

  /** The base URL of its OpenAI-compatible API. */
  public String baseUrl() {
    return "http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort() + "/v1";
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
  }

  private static final class Answer extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final long latencyMs;

    Answer(long latencyMs) {
      this.latencyMs = latencyMs;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      String accept = req.headers().get(HttpHeaderNames.ACCEPT, "");
      boolean sse = accept.contains("text/event-stream");
      if (latencyMs <= 0) {
        ctx.writeAndFlush(response(sse));
      } else {
        ctx.executor()
            .schedule(
                () -> ctx.writeAndFlush(response(sse)),
                latencyMs,
                java.util.concurrent.TimeUnit.MILLISECONDS);
      }
    }

    private static FullHttpResponse response(boolean sse) {
      byte[] body = sse ? SSE : JSON;
      FullHttpResponse r =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
      r.headers()
          .set(HttpHeaderNames.CONTENT_TYPE, sse ? "text/event-stream" : "application/json")
          .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
      return r;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
