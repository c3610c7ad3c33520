package dev.aijobs.testkit.internal;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/** Keeps {@link UpstreamCounters#openConnections()} in step with channel activity. */
@ChannelHandler.Sharable
final class ConnectionCounter extends ChannelInboundHandlerAdapter {

  private final UpstreamCounters counters;

  ConnectionCounter(UpstreamCounters counters) {
    this.counters = counters;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    counters.connectionOpened();
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    counters.connectionClosed();
    ctx.fireChannelInactive();
  }
}
