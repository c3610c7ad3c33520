package dev.aijobs.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
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
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The cheapest possible OpenAI-compatible upstream for throughput runs: every request gets the same
 * completion after a fixed latency, without parsing the request (the role nginx plays in such
 * measurements). The testkit's MockUpstream, which parses and echoes, serves streaming runs.
 */
final class FixedUpstream implements AutoCloseable {
  private static final byte[] BODY =
      ("{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":0,\"model\":\"bench\","
              + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
              + "\"benchmark answer\"},\"finish_reason\":\"stop\"}],"
              + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}")
          .getBytes(StandardCharsets.UTF_8);

  private final EventLoopGroup group;
  private final Channel server;

  FixedUpstream(long latencyMs) throws InterruptedException {
    group =
        new MultiThreadIoEventLoopGroup(
            2, new DefaultThreadFactory("fixed-upstream", true), NioIoHandler.newFactory());
    server =
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
                        .addLast(new Reply(latencyMs));
                  }
                })
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort() + "/v1";
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private static final class Reply extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final long latencyMs;

    Reply(long latencyMs) {
      this.latencyMs = latencyMs;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      if (latencyMs <= 0) {
        ctx.writeAndFlush(response());
      } else {
        ctx.executor()
            .schedule(() -> ctx.writeAndFlush(response()), latencyMs, TimeUnit.MILLISECONDS);
      }
    }

    private static FullHttpResponse response() {
      ByteBuf body = Unpooled.wrappedBuffer(BODY);
      FullHttpResponse r =
          new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
      r.headers()
          .set(HttpHeaderNames.CONTENT_TYPE, "application/json")
          .setInt(HttpHeaderNames.CONTENT_LENGTH, BODY.length);
      return r;
    }
  }
}
