package dev.aijobs.testkit.internal;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Keeps a connection's request counted among those of its model being answered: from when {@link
 * ChatCompletionHandler} admits it until the last part of its response is written (a full JSON
 * response, the end of a stream) or the connection closes (a fault, a client giving up). One per
 * connection, used on its event loop only; HTTP/1.1 without pipelining, so one request at a time.
 */
final class CallTracker extends ChannelDuplexHandler {

  private UpstreamCounters.ModelCounter current;

  /**
   * Counts the connection's new request as being answered, unless {@code limit} requests of its
   * model already are.
   *
   * @return false when the limit is reached (the request is not counted)
   */
  boolean enter(UpstreamCounters.ModelCounter model, int limit) {
    end();
    if (!model.tryEnter(limit)) {
      return false;
    }
    current = model;
    return true;
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof LastHttpContent) {
      end();
    }
    ctx.write(msg, promise);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    end();
    ctx.fireChannelInactive();
  }

  private void end() {
    if (current != null) {
      current.exit();
      current = null;
    }
  }
}
