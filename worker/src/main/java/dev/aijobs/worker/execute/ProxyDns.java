package dev.aijobs.worker.execute;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.resolver.NameResolver;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import org.asynchttpclient.RequestBuilderBase;

/**
 * Hands the target's host name to a SOCKS5 proxy instead of an address resolved here ({@code
 * socks5h://}, as the original Python client did), for providers only resolvable from the proxy's
 * side. AsyncHttpClient always resolves the target locally, so for such a request a {@link
 * #resolverFor resolver} answers the target's name with a marker address, and the {@link #HANDLER}
 * (installed on every HTTP channel, ahead of the SOCKS handler in the outbound direction) turns a
 * connect to the marker into a connect to the unresolved name; Netty's SOCKS5 handler then sends
 * address type DOMAIN. Other names (the proxy's own) resolve normally.
 */
final class ProxyDns {
  private static final byte[] MARKER = {0, 0, 0, 1};

  /** Rewrites a connect to the marker address into one to the unresolved host name. */
  static final ChannelHandler HANDLER = new RemoteNameConnect();

  private ProxyDns() {}

  /** A resolver for one request whose target {@code host} is resolved by the proxy. */
  static NameResolver<InetAddress> resolverFor(String host) {
    return new MarkingResolver(host);
  }

  @ChannelHandler.Sharable
  private static final class RemoteNameConnect extends ChannelOutboundHandlerAdapter {
    @Override
    public void connect(
        ChannelHandlerContext ctx,
        SocketAddress remote,
        SocketAddress local,
        ChannelPromise promise) {
      if (remote instanceof InetSocketAddress isa
          && isa.getAddress() != null
          && Arrays.equals(isa.getAddress().getAddress(), MARKER)) {
        remote = InetSocketAddress.createUnresolved(isa.getAddress().getHostName(), isa.getPort());
      }
      ctx.connect(remote, local, promise);
    }
  }

  private static final class MarkingResolver implements NameResolver<InetAddress> {
    private final String host;
    private final NameResolver<InetAddress> local = RequestBuilderBase.DEFAULT_NAME_RESOLVER;

    MarkingResolver(String host) {
      this.host = host;
    }

    private InetAddress marker() throws UnknownHostException {
      return InetAddress.getByAddress(host, MARKER);
    }

    @Override
    public Future<InetAddress> resolve(String inetHost) {
      return resolve(inetHost, ImmediateEventExecutor.INSTANCE.newPromise());
    }

    @Override
    public Future<InetAddress> resolve(String inetHost, Promise<InetAddress> promise) {
      if (!inetHost.equalsIgnoreCase(host)) {
        return local.resolve(inetHost, promise);
      }
      try {
        return promise.setSuccess(marker());
      } catch (UnknownHostException e) {
        return promise.setFailure(e);
      }
    }

    @Override
    public Future<List<InetAddress>> resolveAll(String inetHost) {
      return resolveAll(inetHost, ImmediateEventExecutor.INSTANCE.newPromise());
    }

    @Override
    public Future<List<InetAddress>> resolveAll(
        String inetHost, Promise<List<InetAddress>> promise) {
      if (!inetHost.equalsIgnoreCase(host)) {
        return local.resolveAll(inetHost, promise);
      }
      try {
        return promise.setSuccess(List.of(marker()));
      } catch (UnknownHostException e) {
        return promise.setFailure(e);
      }
    }

    @Override
    public void close() {}
  }
}
