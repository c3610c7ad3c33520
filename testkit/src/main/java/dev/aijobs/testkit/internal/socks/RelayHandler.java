package dev.aijobs.testkit.internal.socks;

import dev.aijobs.testkit.SocksTunnel.Outcome;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;

/**
 * Copies bytes read on one side of a tunnel to the other and counts them. On the target side it may
 * stop after a number of bytes and close (or reset) both sides, to simulate a proxy dying
 * mid-response.
 */
final class RelayHandler extends ChannelInboundHandlerAdapter {

  private final Channel peer;
  private final TunnelState state;
  private final boolean fromTarget;
  private final long cutAfter;
  private final boolean reset;

  /**
   * @param peer the other side
   * @param state counts and outcome
   * @param fromTarget whether this handler reads the target side
   * @param cutAfter target bytes to relay before cutting, negative for never
   * @param reset whether the cut is a TCP reset rather than a close
   */
  RelayHandler(Channel peer, TunnelState state, boolean fromTarget, long cutAfter, boolean reset) {
    this.peer = peer;
    this.state = state;
    this.fromTarget = fromTarget;
    this.cutAfter = cutAfter;
    this.reset = reset;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf buf)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (!fromTarget) {
      state.addToTarget(buf.readableBytes());
      peer.writeAndFlush(buf);
      return;
    }
    long allowed = cutAfter < 0 ? Long.MAX_VALUE : cutAfter - state.fromTarget();
    if (buf.readableBytes() <= allowed) {
      state.addFromTarget(buf.readableBytes());
      peer.writeAndFlush(buf);
      if (buf.readableBytes() == allowed) {
        cut(ctx.channel());
      }
      return;
    }
    ByteBuf head = buf.readRetainedSlice((int) Math.max(0, allowed));
    buf.release();
    state.addFromTarget(head.readableBytes());
    peer.writeAndFlush(head);
    cut(ctx.channel());
  }

  private void cut(Channel target) {
    state.outcome(reset ? Outcome.RESET : Outcome.CUT);
    target.close();
    Channel client = peer;
    if (reset) {
      client
          .writeAndFlush(Unpooled.EMPTY_BUFFER)
          .addListener(
              f -> {
                client.config().setOption(ChannelOption.SO_LINGER, 0);
                client.close();
              });
    } else {
      client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    state.closedIfOpen();
    if (peer.isActive()) {
      peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
