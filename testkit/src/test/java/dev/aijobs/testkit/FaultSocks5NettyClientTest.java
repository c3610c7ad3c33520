package dev.aijobs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aijobs.testkit.FaultSocks5Server.Mode;
import dev.aijobs.testkit.SocksTunnel.AddressType;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.socksx.v5.Socks5CommandStatus;
import io.netty.handler.proxy.ProxyConnectException;
import io.netty.handler.proxy.Socks5ProxyHandler;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.DefaultAddressResolverGroup;
import io.netty.resolver.NoopAddressResolverGroup;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The faults as Netty's own {@link Socks5ProxyHandler} (the one AsyncHttpClient installs) reports
 * them: what the worker's failure classifier will be given.
 */
class FaultSocks5NettyClientTest {

  private static EventLoopGroup group;
  private MockUpstream upstream;
  private FaultSocks5Server socks;
  private AddressResolverGroup<?> resolver = DefaultAddressResolverGroup.INSTANCE;

  @BeforeAll
  static void startLoop() {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  }

  @AfterAll
  static void stopLoop() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @BeforeEach
  void start() {
    upstream = MockUpstream.start();
    socks =
        FaultSocks5Server.start(FaultSocks5Server.Options.builder().credentials("u", "p").build());
  }

  @AfterEach
  void stop() {
    socks.close();
    upstream.close();
  }

  @Test
  void aBootstrapResolvesTheTargetLocallySoTheProxyIsAskedForAnIp() {
    Future<Channel> tunnel = tunnel("u", "p", 10_000);

    assertThat(tunnel.awaitUninterruptibly(10, TimeUnit.SECONDS)).isTrue();
    assertThat(tunnel.isSuccess()).isTrue();
    tunnel.getNow().close();
    assertThat(socks.tunnels().get(0).addressType()).isEqualTo(AddressType.IPV4);
    assertThat(socks.tunnels().get(0).username()).hasValue("u");
  }

  @Test
  void withoutLocalResolutionTheProxyIsAskedForTheHostName() {
    resolver = NoopAddressResolverGroup.INSTANCE;
    Future<Channel> tunnel = tunnel("u", "p", 10_000);

    assertThat(tunnel.awaitUninterruptibly(10, TimeUnit.SECONDS)).isTrue();
    assertThat(tunnel.isSuccess()).isTrue();
    tunnel.getNow().close();
    assertThat(socks.tunnels().get(0).addressType()).isEqualTo(AddressType.DOMAIN);
    assertThat(socks.tunnels().get(0).host()).isEqualTo("localhost");
  }

  @Test
  void authRejectIsAProxyConnectExceptionNamingTheAuthStatus() {
    socks.setMode(Mode.AUTH_REJECT);

    assertThat(failure(tunnel("u", "p", 10_000)))
        .isInstanceOf(ProxyConnectException.class)
        .hasMessageContaining("authStatus: FAILURE");
  }

  @Test
  void noAcceptableMethodIsAProxyConnectExceptionNamingTheMethod() {
    socks.setMode(Mode.NO_ACCEPTABLE_METHOD);

    assertThat(failure(tunnel("u", "p", 10_000)))
        .isInstanceOf(ProxyConnectException.class)
        .hasMessageContaining("UNACCEPTED");
  }

  @Test
  void replyFailureIsAProxyConnectExceptionNamingTheStatus() {
    socks.setFailureStatus(Socks5CommandStatus.CONNECTION_REFUSED);
    socks.setMode(Mode.REPLY_FAILURE);

    assertThat(failure(tunnel("u", "p", 10_000)))
        .isInstanceOf(ProxyConnectException.class)
        .hasMessageContaining("status: CONNECTION_REFUSED(5)");
  }

  @Test
  void aStalledHandshakeEndsInTheHandlersTimeout() {
    socks.setMode(Mode.STALL_HANDSHAKE);

    assertThat(failure(tunnel("u", "p", 200)))
        .isInstanceOf(ProxyConnectException.class)
        .hasMessageContaining("timeout");
  }

  private Future<Channel> tunnel(String user, String password, long handshakeTimeoutMillis) {
    Socks5ProxyHandler proxy = new Socks5ProxyHandler(socks.address(), user, password);
    proxy.setConnectTimeoutMillis(handshakeTimeoutMillis);
    new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .resolver(resolver)
        .handler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel channel) {
                channel.pipeline().addLast(proxy).addLast(new ClosingHandler());
              }
            })
        .connect(InetSocketAddress.createUnresolved("localhost", upstream.port()))
        .awaitUninterruptibly(); // the proxy's future is usable once the handler is in place
    return proxy.connectFuture();
  }

  /** Ends the pipeline: the test reads the failure from the proxy handler's future. */
  private static final class ClosingHandler extends ChannelInboundHandlerAdapter {
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  private static Throwable failure(Future<Channel> tunnel) {
    assertThat(tunnel.awaitUninterruptibly(10, TimeUnit.SECONDS)).isTrue();
    assertThat(tunnel.isSuccess()).isFalse();
    return tunnel.cause();
  }
}
