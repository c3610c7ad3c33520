package dev.aijobs.testkit.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/** {@link ResponseWriter}s that misbehave on purpose at the connection level. */
final class FaultWriters {

  private FaultWriters() {}

  /** Aborts the connection with a TCP RST (SO_LINGER 0) before any response byte. */
  static ResponseWriter reset() {
    return ctx -> {
      ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
      ctx.channel().close();
    };
  }

  /** Closes the connection (FIN) before any response byte. */
  static ResponseWriter close() {
    return ctx -> ctx.channel().close();
  }

  /** Never answers; the connection stays open until either side closes it. */
  static ResponseWriter noAnswer() {
    return ctx -> {};
  }

  /**
   * Announces a complete JSON body (Content-Length) but sends only its first half, then closes the
   * connection or, when {@code stall}, keeps it open and sends nothing more.
   */
  static ResponseWriter partialJson(byte[] body, boolean stall) {
    return ctx -> {
      if (!ctx.channel().isActive()) {
        return;
      }
      HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      head.headers()
          .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
          .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
      ctx.write(head);
      ChannelFuture written =
          ctx.writeAndFlush(
              new DefaultHttpContent(Unpooled.wrappedBuffer(body, 0, body.length / 2)));
      if (!stall) {
        written.addListener(ChannelFutureListener.CLOSE);
      }
    };
  }
}
