package dev.aijobs.testkit.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Writes everything one channel reads to a peer channel and closes the peer (after flushing) when
 * this side closes or fails; install one on each side for a two-way relay with {@link #join}.
 */
public final class Pipe extends ChannelInboundHandlerAdapter {
  private final Channel peer;

  private Pipe(Channel peer) {
    this.peer = peer;
  }

  /**
   * Relays {@code a} and {@code b} both ways, closing both together, and turns reading on.
   *
   * @param a one side, its handlers already in place
   * @param b the other side
   */
  public static void join(Channel a, Channel b) {
    a.pipeline().addLast(new Pipe(b));
    b.pipeline().addLast(new Pipe(a));
    a.config().setAutoRead(true);
    b.config().setAutoRead(true);
    a.read();
    b.read();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    peer.writeAndFlush(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closeOnFlush(peer);
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
    closeOnFlush(peer);
  }

  /**
   * Closes a channel once what was written to it so far is flushed.
   *
   * @param channel the channel; nothing happens when it is already closed
   */
  public static void closeOnFlush(Channel channel) {
    if (channel.isActive()) {
      channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
