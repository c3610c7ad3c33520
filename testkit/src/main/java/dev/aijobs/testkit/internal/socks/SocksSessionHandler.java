package dev.aijobs.testkit.internal.socks;

import dev.aijobs.testkit.FaultSocks5Server.Credentials;
import dev.aijobs.testkit.FaultSocks5Server.Mode;
import dev.aijobs.testkit.SocksTunnel.AddressType;
import dev.aijobs.testkit.SocksTunnel.Outcome;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.socksx.v5.DefaultSocks5CommandResponse;
import io.netty.handler.codec.socksx.v5.DefaultSocks5InitialResponse;
import io.netty.handler.codec.socksx.v5.DefaultSocks5PasswordAuthResponse;
import io.netty.handler.codec.socksx.v5.Socks5AddressType;
import io.netty.handler.codec.socksx.v5.Socks5AuthMethod;
import io.netty.handler.codec.socksx.v5.Socks5CommandRequest;
import io.netty.handler.codec.socksx.v5.Socks5CommandRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5CommandStatus;
import io.netty.handler.codec.socksx.v5.Socks5CommandType;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequest;
import io.netty.handler.codec.socksx.v5.Socks5Message;
import io.netty.handler.codec.socksx.v5.Socks5PasswordAuthRequest;
import io.netty.handler.codec.socksx.v5.Socks5PasswordAuthRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5PasswordAuthStatus;
import io.netty.util.ReferenceCountUtil;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Speaks the server side of one SOCKS5 handshake (greeting, optional username/password, CONNECT)
 * and applies the connection's {@link SocksPolicy}; on success it hands the channel to two {@link
 * RelayHandler}s. Not sharable: it remembers the authenticated user.
 */
final class SocksSessionHandler extends SimpleChannelInboundHandler<Socks5Message> {

  static final String DECODER = "socks-decoder";
  static final String ENCODER = "socks-encoder";

  private final SocksPolicy policy;
  private final TunnelLog log;
  private Optional<String> user = Optional.empty();

  SocksSessionHandler(SocksPolicy policy, TunnelLog log) {
    this.policy = policy;
    this.log = log;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Socks5Message msg) {
    if (msg.decoderResult().isFailure()) {
      ctx.close();
    } else if (msg instanceof Socks5InitialRequest greeting) {
      greeting(ctx, greeting);
    } else if (msg instanceof Socks5PasswordAuthRequest auth) {
      authenticate(ctx, auth);
    } else if (msg instanceof Socks5CommandRequest command) {
      command(ctx, command);
    } else {
      ctx.close();
    }
  }

  private void greeting(ChannelHandlerContext ctx, Socks5InitialRequest greeting) {
    boolean wantsPassword = policy.mode() == Mode.AUTH_REJECT || policy.credentials().isPresent();
    Socks5AuthMethod method = wantsPassword ? Socks5AuthMethod.PASSWORD : Socks5AuthMethod.NO_AUTH;
    switch (policy.mode()) {
      case STALL_HANDSHAKE -> {
        return; // never answer; the client's handshake timeout must fire
      }
      case GARBAGE -> {
        ctx.writeAndFlush(Unpooled.wrappedBuffer(garbage()));
        return;
      }
      case NO_ACCEPTABLE_METHOD -> method = Socks5AuthMethod.UNACCEPTED;
      default -> {
        if (!greeting.authMethods().contains(method)) {
          method = Socks5AuthMethod.UNACCEPTED;
        }
      }
    }
    ChannelFuture written = ctx.writeAndFlush(new DefaultSocks5InitialResponse(method));
    if (method == Socks5AuthMethod.UNACCEPTED) {
      written.addListener(ChannelFutureListener.CLOSE);
    } else if (method == Socks5AuthMethod.PASSWORD) {
      ctx.pipeline().replace(DECODER, DECODER, new Socks5PasswordAuthRequestDecoder());
    } else {
      ctx.pipeline().replace(DECODER, DECODER, new Socks5CommandRequestDecoder());
    }
  }

  private void authenticate(ChannelHandlerContext ctx, Socks5PasswordAuthRequest auth) {
    boolean accepted =
        policy.mode() != Mode.AUTH_REJECT
            && policy
                .credentials()
                .map(
                    c ->
                        c.username().equals(auth.username())
                            && c.password().equals(auth.password()))
                .orElse(false);
    if (!accepted) {
      ctx.writeAndFlush(new DefaultSocks5PasswordAuthResponse(Socks5PasswordAuthStatus.FAILURE))
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    user = policy.credentials().map(Credentials::username);
    ctx.writeAndFlush(new DefaultSocks5PasswordAuthResponse(Socks5PasswordAuthStatus.SUCCESS));
    ctx.pipeline().replace(DECODER, DECODER, new Socks5CommandRequestDecoder());
  }

  private void command(ChannelHandlerContext ctx, Socks5CommandRequest command) {
    TunnelState state =
        log.open(
            (InetSocketAddress) ctx.channel().remoteAddress(),
            command.dstAddr(),
            command.dstPort(),
            addressType(command.dstAddrType()),
            user,
            policy.mode());
    if (command.type() != Socks5CommandType.CONNECT) {
      state.outcome(Outcome.UNSUPPORTED_COMMAND);
      replyAndClose(ctx, Socks5CommandStatus.COMMAND_UNSUPPORTED);
    } else if (policy.mode() == Mode.REPLY_FAILURE) {
      state.outcome(Outcome.REPLY_FAILURE);
      replyAndClose(ctx, policy.failureStatus());
    } else if (policy.mode() == Mode.BLACKHOLE_AFTER_CONNECT) {
      state.outcome(Outcome.BLACKHOLED);
      ctx.writeAndFlush(success());
      ctx.pipeline().addLast("blackhole", new Blackhole());
      ctx.pipeline().remove(this);
      ctx.pipeline().remove(DECODER);
    } else {
      connect(ctx, command, state);
    }
  }

  private void connect(ChannelHandlerContext ctx, Socks5CommandRequest command, TunnelState state) {
    Channel client = ctx.channel();
    client.config().setAutoRead(false);
    new Bootstrap()
        .group(client.eventLoop())
        .channel(NioSocketChannel.class)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) policy.connectTimeout().toMillis())
        .option(ChannelOption.AUTO_READ, false)
        .handler(new ChannelInboundHandlerAdapter())
        .connect(InetSocketAddress.createUnresolved(command.dstAddr(), command.dstPort()))
        .addListener(
            (ChannelFuture connected) -> {
              if (connected.isSuccess()) {
                startRelay(ctx, connected.channel(), state);
              } else {
                state.outcome(Outcome.TARGET_UNREACHABLE);
                replyAndClose(ctx, failureFor(connected.cause()));
              }
            });
  }

  private void startRelay(ChannelHandlerContext ctx, Channel target, TunnelState state) {
    Channel client = ctx.channel();
    if (!client.isActive()) {
      target.close();
      return;
    }
    state.outcome(Outcome.OPEN);
    boolean reset = policy.mode() == Mode.RESET_MID_RESPONSE;
    long cutAfter = reset || policy.mode() == Mode.CLOSE_MID_RESPONSE ? policy.cutAfterBytes() : -1;
    target.pipeline().addLast("relay", new RelayHandler(client, state, true, cutAfter, reset));
    ctx.writeAndFlush(success())
        .addListener(
            (ChannelFuture replied) -> {
              if (!replied.isSuccess()) {
                target.close();
                return;
              }
              client.pipeline().addLast("relay", new RelayHandler(target, state, false, -1, false));
              client.pipeline().remove(this);
              client.pipeline().remove(DECODER);
              client.pipeline().remove(ENCODER);
              client.config().setAutoRead(true);
              target.config().setAutoRead(true);
            });
  }

  private static void replyAndClose(ChannelHandlerContext ctx, Socks5CommandStatus status) {
    ctx.writeAndFlush(
            new DefaultSocks5CommandResponse(status, Socks5AddressType.IPv4, "0.0.0.0", 0))
        .addListener(ChannelFutureListener.CLOSE);
  }

  private static DefaultSocks5CommandResponse success() {
    return new DefaultSocks5CommandResponse(
        Socks5CommandStatus.SUCCESS, Socks5AddressType.IPv4, "0.0.0.0", 0);
  }

  private static Socks5CommandStatus failureFor(Throwable cause) {
    return cause instanceof ConnectException
            && String.valueOf(cause.getMessage()).contains("refused")
        ? Socks5CommandStatus.CONNECTION_REFUSED
        : Socks5CommandStatus.HOST_UNREACHABLE;
  }

  private static AddressType addressType(Socks5AddressType type) {
    if (type == Socks5AddressType.IPv4) {
      return AddressType.IPV4;
    }
    return type == Socks5AddressType.IPv6 ? AddressType.IPV6 : AddressType.DOMAIN;
  }

  /** Bytes that are not a SOCKS5 reply: the first byte is never the version 5. */
  private static byte[] garbage() {
    byte[] bytes = new byte[16];
    ThreadLocalRandom.current().nextBytes(bytes);
    bytes[0] = (byte) (0x40 | (bytes[0] & 0x3f));
    return bytes;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  /** Swallows everything the client sends after a blackholed CONNECT. */
  private static final class Blackhole extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
    }
  }
}
