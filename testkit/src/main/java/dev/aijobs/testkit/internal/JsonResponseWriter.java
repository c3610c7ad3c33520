package dev.aijobs.testkit.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Map;

/**
 * Answers with one complete JSON response. Connection handling (keep-alive or close) is left to the
 * pipeline's {@code HttpServerKeepAliveHandler}. Immutable.
 */
public final class JsonResponseWriter implements ResponseWriter {

  private final HttpResponseStatus status;
  private final byte[] body;
  private final Map<String, String> headers;

  /**
   * Creates the writer.
   *
   * @param status the HTTP status
   * @param body the UTF-8 JSON body; not copied, must not be changed afterwards
   * @param headers extra response headers
   */
  public JsonResponseWriter(int status, byte[] body, Map<String, String> headers) {
    this.status = HttpResponseStatus.valueOf(status);
    this.body = body;
    this.headers = Map.copyOf(headers);
  }

  @Override
  public void write(ChannelHandlerContext ctx) {
    if (!ctx.channel().isActive()) {
      return;
    }
    FullHttpResponse response =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    headers.forEach((name, value) -> response.headers().set(name, value));
    ctx.writeAndFlush(response);
  }

  @Override
  public String toString() {
    return "JsonResponseWriter[" + status + ", " + body.length + " bytes]";
  }
}
