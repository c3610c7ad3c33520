package dev.aijobs.testkit.internal;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Plays a list of {@link SseStep}s as a chunked {@code text/event-stream} response: each step is
 * scheduled on the channel's event loop after the previous one ran (no thread sleeps). Stops
 * quietly when the client goes away. Immutable; one instance may serve one request only.
 */
public final class SseResponseWriter implements ResponseWriter {

  /** The content type of every stream. */
  public static final String EVENT_STREAM = "text/event-stream";

  private final List<SseStep> steps;
  private final Runnable onStart;

  /**
   * Creates the writer.
   *
   * @param steps the steps to play, in order
   * @param onStart run once the response head has been written (counts started streams)
   */
  public SseResponseWriter(List<SseStep> steps, Runnable onStart) {
    this.steps = List.copyOf(steps);
    this.onStart = onStart;
  }

  @Override
  public void write(ChannelHandlerContext ctx) {
    if (!ctx.channel().isActive()) {
      return;
    }
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    head.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, EVENT_STREAM)
        .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
    HttpUtil.setTransferEncodingChunked(head, true);
    ctx.writeAndFlush(head);
    onStart.run();
    schedule(ctx, 0);
  }

  private void schedule(ChannelHandlerContext ctx, int index) {
    if (index >= steps.size()) {
      return;
    }
    long nanos = steps.get(index).delay().toNanos();
    if (nanos == 0) {
      play(ctx, index);
    } else {
      ctx.executor().schedule(() -> play(ctx, index), nanos, TimeUnit.NANOSECONDS);
    }
  }

  private void play(ChannelHandlerContext ctx, int index) {
    if (!ctx.channel().isActive()) {
      return;
    }
    SseStep step = steps.get(index);
    switch (step.kind()) {
      case COMMENT, DATA -> {
        ctx.writeAndFlush(
            new DefaultHttpContent(ByteBufUtil.writeUtf8(ctx.alloc(), step.wireText())));
        schedule(ctx, index + 1);
      }
      case END -> ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
      case CLOSE ->
          // An empty chunk-less write orders the close after every earlier write has gone out.
          ctx.writeAndFlush(new DefaultHttpContent(Unpooled.EMPTY_BUFFER))
              .addListener(ChannelFutureListener.CLOSE);
      case STALL -> {
        // Deliberately nothing: the client waits until it gives up or the server closes.
      }
    }
  }

  @Override
  public String toString() {
    return "SseResponseWriter[" + steps.size() + " steps]";
  }
}
