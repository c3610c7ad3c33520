package dev.aijobs.testkit;

import dev.aijobs.testkit.internal.HttpProxyFrontHandler;
import dev.aijobs.testkit.internal.HttpProxyFrontHandler.Recorder;
import dev.aijobs.testkit.internal.LoopbackServer;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal HTTP forward proxy on 127.0.0.1 (ephemeral port), without authentication:
 *
 * <ul>
 *   <li>{@code CONNECT host:port} opens a TCP connection to the target, answers {@code HTTP/1.1 200
 *       Connection established} and relays bytes both ways (how clients reach {@code https://});
 *   <li>an absolute-form request such as {@code POST http://host:port/path HTTP/1.1} is sent to the
 *       target in origin-form ({@code POST /path}) over a fresh connection, and the (aggregated)
 *       response is returned; the client connection stays usable for the next request.
 * </ul>
 *
 * A target that cannot be reached gets {@code 502 Bad Gateway}. Every request is recorded as {@code
 * host:port}. Thread-safe. {@link #close()} must not be called from the proxy's event loop.
 */
public final class HttpConnectProxy implements AutoCloseable {
  private final LoopbackServer server;
  private final Counts counts;

  private HttpConnectProxy(LoopbackServer server, Counts counts) {
    this.server = server;
    this.counts = counts;
  }

  /**
   * Starts a proxy and waits until it is bound.
   *
   * @return the running proxy
   * @throws IllegalStateException when it cannot bind
   */
  public static HttpConnectProxy start() {
    Counts counts = new Counts();
    LoopbackServer[] self = new LoopbackServer[1];
    self[0] =
        LoopbackServer.start(
            "http-proxy",
            true,
            ch ->
                ch.pipeline()
                    .addLast(new HttpServerCodec())
                    .addLast(new HttpObjectAggregator(64 << 20))
                    .addLast(new HttpProxyFrontHandler(counts, self[0].open())));
    return new HttpConnectProxy(self[0], counts);
  }

  /** Returns the port on 127.0.0.1. */
  public int port() {
    return server.port();
  }

  /** Returns {@code http://127.0.0.1:PORT}, the form {@code PROXY_URL} takes. */
  public String url() {
    return "http://127.0.0.1:" + port();
  }

  /** Returns the number of CONNECT requests received. */
  public int connectCount() {
    return counts.connects.get();
  }

  /** Returns the number of absolute-form (forwarded) requests received. */
  public int forwardCount() {
    return counts.forwards.get();
  }

  /** Returns the {@code host:port} of every request so far, in arrival order. */
  public List<String> targets() {
    return List.copyOf(counts.targets);
  }

  /** Forgets the counts and targets recorded so far. */
  public void reset() {
    counts.connects.set(0);
    counts.forwards.set(0);
    counts.targets.clear();
  }

  /** Stops listening and closes every connection; idempotent. */
  @Override
  public void close() {
    server.close();
  }

  @Override
  public String toString() {
    return "HttpConnectProxy[" + url() + "]";
  }

  private static final class Counts implements Recorder {
    final AtomicInteger connects = new AtomicInteger();
    final AtomicInteger forwards = new AtomicInteger();
    final List<String> targets = new CopyOnWriteArrayList<>();

    @Override
    public void connect(String target) {
      targets.add(target);
      connects.incrementAndGet();
    }

    @Override
    public void forward(String target) {
      targets.add(target);
      forwards.incrementAndGet();
    }
  }
}
