package dev.aijobs.testkit.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.URI;

/**
 * The client side of {@code HttpConnectProxy}: tunnels {@code CONNECT} requests and forwards
 * absolute-form requests in origin-form, one target connection per request. Client reads pause
 * while a request is being served.
 */
public final class HttpProxyFrontHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

  /** Where the handler reports each request it accepted, as {@code host:port}. */
  public interface Recorder {
    /** A CONNECT request. */
    void connect(String target);

    /** An absolute-form request to forward. */
    void forward(String target);
  }

  private final Recorder recorder;
  private final ChannelGroup open;

  /**
   * @param recorder receives every request
   * @param open collects target channels so that closing the proxy closes them
   */
  public HttpProxyFrontHandler(Recorder recorder, ChannelGroup open) {
    this.recorder = recorder;
    this.open = open;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    ctx.channel().config().setAutoRead(false);
    if (HttpMethod.CONNECT.equals(request.method())) {
      tunnel(ctx, request.uri());
    } else {
      forward(ctx, request.retain());
    }
  }

  private void tunnel(ChannelHandlerContext ctx, String authority) {
    recorder.connect(authority);
    URI parsed = URI.create("tcp://" + authority);
    Channel client = ctx.channel();
    connect(client, parsed.getHost(), parsed.getPort(), new ChannelInboundHandlerAdapter())
        .addListener(
            (ChannelFuture f) -> {
              if (!f.isSuccess()) {
                badGateway(client, false);
                return;
              }
              FullHttpResponse ok =
                  new DefaultFullHttpResponse(
                      HttpVersion.HTTP_1_1, new HttpResponseStatus(200, "Connection established"));
              client
                  .writeAndFlush(ok)
                  .addListener(
                      w -> {
                        client.pipeline().remove(HttpObjectAggregator.class);
                        client.pipeline().remove(HttpServerCodec.class);
                        client.pipeline().remove(this);
                        Pipe.join(client, f.channel());
                      });
            });
  }

  private void forward(ChannelHandlerContext ctx, FullHttpRequest request) {
    URI uri = URI.create(request.uri());
    int port = uri.getPort() > 0 ? uri.getPort() : 80;
    recorder.forward(uri.getHost() + ":" + port);
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    request.setUri(uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery());
    request.headers().remove("Proxy-Connection").remove(HttpHeaderNames.PROXY_AUTHORIZATION);
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    Channel client = ctx.channel();
    ResponseRelay relay = new ResponseRelay(client, keepAlive);
    connect(client, uri.getHost(), port, relay)
        .addListener(
            (ChannelFuture f) -> {
              if (!f.isSuccess()) {
                request.release();
                badGateway(client, keepAlive);
                return;
              }
              f.channel().pipeline().addFirst(new HttpObjectAggregator(64 << 20));
              f.channel().pipeline().addFirst(new HttpClientCodec());
              f.channel().writeAndFlush(request);
              f.channel().config().setAutoRead(true);
            });
  }

  private ChannelFuture connect(
      Channel client, String host, int port, ChannelInboundHandlerAdapter handler) {
    ChannelFuture f =
        new Bootstrap()
            .group(client.eventLoop())
            .channel(NioSocketChannel.class)
            .option(ChannelOption.AUTO_READ, false)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
            .handler(handler)
            .connect(host, port);
    open.add(f.channel());
    return f;
  }

  private static void badGateway(Channel client, boolean keepAlive) {
    FullHttpResponse bad =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_GATEWAY);
    HttpUtil.setContentLength(bad, 0);
    finish(client, bad, keepAlive);
  }

  private static void finish(Channel client, FullHttpResponse response, boolean keepAlive) {
    if (keepAlive) {
      client.writeAndFlush(response);
      client.config().setAutoRead(true);
    } else {
      client.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  /** Returns the target's aggregated response to the client and closes the target side. */
  private static final class ResponseRelay extends SimpleChannelInboundHandler<FullHttpResponse> {
    private final Channel client;
    private final boolean keepAlive;
    private boolean answered;

    ResponseRelay(Channel client, boolean keepAlive) {
      this.client = client;
      this.keepAlive = keepAlive;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
      answered = true;
      boolean stay = keepAlive && HttpUtil.isKeepAlive(response);
      HttpUtil.setKeepAlive(response, stay);
      finish(client, response.retain(), stay);
      ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (!answered) {
        client.close();
      }
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
