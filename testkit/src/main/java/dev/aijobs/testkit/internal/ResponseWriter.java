package dev.aijobs.testkit.internal;

import io.netty.channel.ChannelHandlerContext;

/**
 * One way of answering a request: a full JSON response today; streamed (SSE) answers and faults
 * (reset before headers, no answer, cut stream) fit here as further implementations.
 */
@FunctionalInterface
public interface ResponseWriter {

  /**
   * Writes the answer. Called on the channel's event loop, possibly after a delay; must not block.
   *
   * @param ctx the context of the handler that read the request
   */
  void write(ChannelHandlerContext ctx);
}
