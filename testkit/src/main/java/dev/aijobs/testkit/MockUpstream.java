package dev.aijobs.testkit;

import dev.aijobs.testkit.internal.LatencyModel;
import dev.aijobs.testkit.internal.SelfSignedTls;
import dev.aijobs.testkit.internal.StandaloneMain;
import dev.aijobs.testkit.internal.UpstreamCounters;
import dev.aijobs.testkit.internal.UpstreamInitializer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A mock OpenAI-compatible chat-completions server (HTTP/1.1, keep-alive) on its own Netty event
 * loop, for tests, demos and benchmarks.
 *
 * <p>{@code POST /v1/chat/completions} answers, after the configured latency (scheduled on the
 * event loop, no thread sleeps), a non-streaming {@code chat.completion} whose content is {@code
 * "echo: "} plus the last message's content; token counts are whitespace-separated word counts
 * (completion at least 1). Other paths get a JSON 404, other methods 405, a body that is not a JSON
 * object with {@code model} and non-empty {@code messages} gets 400.
 *
 * <p>Per-request behaviour comes from {@code mock:key=value} directives inside the model name,
 * separated by {@code ;} or {@code ,}, e.g. {@code "gpt-x;mock:status=500;mock:times=1"}:
 *
 * <ul>
 *   <li>{@code status=N} answers N (200..599) with an OpenAI-style body {@code
 *       {"error":{"message","type","param","code"}}};
 *   <li>{@code error=CODE} sets the error code (implies 400 without a status), e.g. {@code
 *       context_length_exceeded}, {@code content_policy_violation};
 *   <li>{@code retry-after=S} adds {@code Retry-After: S}; {@code retry-after-ms=MS} adds {@code
 *       retry-after-ms: MS};
 *   <li>{@code latency=MS} replaces the server's latency and jitter for the request;
 *   <li>{@code times=N} applies the other directives to the first N requests with this exact model
 *       string only; later ones are answered as if there were no directives;
 *   <li>{@code for=MS} applies them to the requests with this exact model string that arrive within
 *       MS of its first one (since start or {@link #reset()}), e.g. {@code
 *       "m;mock:status=429;mock:retry-after=2;mock:for=10000"}: a 10-second storm of 429s, then
 *       answers; with {@code times} both must hold;
 *   <li>{@code max-concurrent=N} is the provider's capacity: a request arriving while N requests
 *       with this exact model string are being answered (read and not yet answered in full, their
 *       connection open) gets 429 {@code rate_limit_exceeded} at once, with the {@code Retry-After}
 *       headers of the directives in force, and is not counted as being answered. It holds whatever
 *       {@code times} and {@code for} say; {@link #inFlight(String)}, {@link
 *       #peakInFlight(String)} and {@link #overLimitCount(String)} tell how it went;
 *   <li>{@code tokens=N} answers {@code "t0 t1 ... t(N-1)"} instead of the echo;
 *   <li>{@code first-token=MS} (streams) waits between the response head and the first data event;
 *       {@code comments=N} sends N {@code : OPENROUTER PROCESSING} comments evenly spread over that
 *       wait (the first data event still comes at {@code first-token}); {@code token-interval=MS}
 *       waits between data events;
 *   <li>{@code fault=NAME} injects a failure and wins over {@code status}: {@code
 *       reset-before-headers} (TCP RST), {@code close-before-headers}, {@code no-answer} (the
 *       connection stays open), {@code stream-cut} (close after some content; non-stream: half the
 *       announced body), {@code stream-stall} (stop sending, stay open), {@code malformed-event}
 *       (a {@code data: {not json} event, then the rest of the stream; non-stream: a 200 body that
 *       is not JSON), {@code no-done} (no {@code data: [DONE]}), {@code in-band-error} (HTTP 200
 *       with {@code {"error":{"message","code":502}}} as an SSE event that ends the stream, or as
 *       the whole body; {@code error=CODE} replaces 502); {@code fault-after=N} sets how many
 *       content events go out before a mid-stream fault (default 2).
 * </ul>
 *
 * An unknown or malformed directive is answered with 400 naming it.
 *
 * <p>Streams: a request with {@code "stream": true} and no error status is answered with a chunked
 * {@code text/event-stream} of OpenAI {@code chat.completion.chunk} events, one per word of the
 * answer (the word carries the whitespace before it, so the deltas concatenate to the non-streamed
 * content; the first delta also has {@code "role":"assistant"}), then a chunk with an empty delta,
 * {@code "finish_reason":"stop"} and {@code usage}, then {@code data: [DONE]}. Every wait is
 * scheduled on the event loop.
 *
 * <p>TLS: with {@link Options#tls()} the server speaks HTTPS with a self-signed certificate for
 * {@code 127.0.0.1}, {@code ::1} and {@code localhost}, made once per JVM with the JDK's {@code
 * keytool}; clients trust it through {@link #certificate()} or {@link #trustStore()}.
 *
 * <p>Standalone: {@code java -jar testkit/target/aijobs-mock-upstream.jar [--port N] [--host H]
 * [--latency-ms N] [--jitter-ms N] [--io-threads N] [--tls]} (defaults: port 8089, host 127.0.0.1,
 * no latency, plain HTTP) prints {@code mock upstream listening on http://HOST:PORT/v1} (with
 * {@code --tls}: the https URL and the trust store's path and password) and runs until killed;
 * SIGTERM closes it cleanly.
 *
 * <p>Thread-safe. {@link #close()} must not be called from the server's own event loop.
 */
public final class MockUpstream implements AutoCloseable {

  private final EventLoopGroup group;
  private final Channel serverChannel;
  private final UpstreamCounters counters;
  private final String host;
  private final int port;
  private final Optional<SelfSignedTls> tls;
  private final AtomicBoolean closed = new AtomicBoolean();

  private MockUpstream(
      EventLoopGroup group,
      Channel serverChannel,
      UpstreamCounters counters,
      String host,
      Optional<SelfSignedTls> tls) {
    this.group = group;
    this.serverChannel = serverChannel;
    this.counters = counters;
    this.host = host;
    this.tls = tls;
    this.port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
  }

  /**
   * Starts a server with {@link Options#defaults()}: 127.0.0.1, an ephemeral port, no latency.
   *
   * @return the running server
   */
  public static MockUpstream start() {
    return start(Options.defaults());
  }

  /**
   * Starts a server and waits until it is bound.
   *
   * @param options the configuration
   * @return the running server
   * @throws IllegalStateException when the address cannot be bound or, with TLS, the certificate
   *     cannot be made
   */
  public static MockUpstream start(Options options) {
    Optional<SelfSignedTls> tls =
        options.tls() ? Optional.of(SelfSignedTls.get()) : Optional.empty();
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            options.ioThreads(),
            new DefaultThreadFactory("mock-upstream", true),
            NioIoHandler.newFactory());
    UpstreamCounters counters = new UpstreamCounters();
    LatencyModel latency = new LatencyModel(options.latency(), options.latencyJitter());
    ChannelFuture bind =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new UpstreamInitializer(counters, latency, tls.map(SelfSignedTls::serverContext)))
            .bind(options.host(), options.port())
            .awaitUninterruptibly();
    if (!bind.isSuccess()) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw new IllegalStateException(
          "mock upstream cannot bind " + options.host() + ":" + options.port(), bind.cause());
    }
    return new MockUpstream(group, bind.channel(), counters, options.host(), tls);
  }

  /**
   * Returns the base URL clients append {@code /chat/completions} to, e.g. {@code
   * http://127.0.0.1:PORT/v1}, or {@code https://...} when serving TLS.
   */
  public String baseUrl() {
    String literal = host.contains(":") ? "[" + host + "]" : host;
    return (tls.isPresent() ? "https" : "http") + "://" + literal + ":" + port + "/v1";
  }

  /** Returns whether the server speaks HTTPS. */
  public boolean isTls() {
    return tls.isPresent();
  }

  /**
   * Returns the self-signed server certificate (valid for 127.0.0.1, ::1 and localhost).
   *
   * @throws IllegalStateException when the server was not started with TLS
   */
  public X509Certificate certificate() {
    return tlsMaterial().certificate();
  }

  /**
   * Returns a PKCS12 trust store holding only {@link #certificate()}.
   *
   * @throws IllegalStateException when the server was not started with TLS
   */
  public TrustStore trustStore() {
    return tlsMaterial().clientTrustStore();
  }

  private SelfSignedTls tlsMaterial() {
    return tls.orElseThrow(() -> new IllegalStateException(this + " was not started with TLS"));
  }

  /** Returns the bound port (the actual one when an ephemeral port was asked for). */
  public int port() {
    return port;
  }

  /** Returns the number of chat-completion requests received since start or {@link #reset()}. */
  public long requestCount() {
    return counters.requests();
  }

  /**
   * Returns the number of chat-completion requests whose model was exactly this string (directives
   * included) since start or {@link #reset()}.
   *
   * @param model the model string as sent
   * @return the count, 0 when never seen
   */
  public long requestCount(String model) {
    return counters.requests(model);
  }

  /**
   * Returns the number of requests with this exact model string being answered now: read, and
   * neither answered in full (the last byte of a JSON answer or a stream written) nor ended by
   * their connection closing.
   *
   * @param model the model string as sent
   * @return the count, 0 when never seen
   */
  public int inFlight(String model) {
    return counters.inFlight(model);
  }

  /**
   * Returns the most requests with this exact model string that were being answered at once since
   * start or {@link #reset()} (requests refused by {@code max-concurrent} not included).
   *
   * @param model the model string as sent
   * @return the peak, 0 when never seen
   */
  public int peakInFlight(String model) {
    return counters.peakInFlight(model);
  }

  /**
   * Returns the number of requests with this exact model string answered 429 because {@code
   * max-concurrent} of them were being answered, since start or {@link #reset()}.
   *
   * @param model the model string as sent
   * @return the count, 0 when never seen
   */
  public long overLimitCount(String model) {
    return counters.overLimit(model);
  }

  /**
   * Returns the number of SSE responses whose head was sent since start or {@link #reset()}
   * (streams cut or stalled by a fault included).
   */
  public long streamsStarted() {
    return counters.streams();
  }

  /**
   * Clears the request counters; this also restarts every {@code times=N} and {@code for=MS}
   * directive and the peaks of {@link #peakInFlight(String)}.
   */
  public void reset() {
    counters.reset();
  }

  /** Returns the number of client TCP connections currently open (for leak tests). */
  public int openConnections() {
    return counters.openConnections();
  }

  /** Closes the listening socket and every connection and stops the event loop; idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      serverChannel.close().awaitUninterruptibly();
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
  }

  @Override
  public String toString() {
    return "MockUpstream[" + baseUrl() + "]";
  }

  /**
   * Runs the server as a process until it is killed. Flags: {@code --port N} (default 8089), {@code
   * --host H} (default 127.0.0.1), {@code --latency-ms N}, {@code --jitter-ms N}, {@code
   * --io-threads N}, {@code --tls}, {@code --help}. Bad flags print the usage and exit with status
   * 2.
   *
   * @param args the flags
   */
  public static void main(String[] args) {
    StandaloneMain.run(args);
  }

  /**
   * Immutable configuration of a {@link MockUpstream}, made by {@link #builder()}.
   *
   * @param latency delay before every answer; default {@link #DEFAULT_LATENCY}
   * @param latencyJitter upper bound of a uniform random extra delay; default {@link
   *     #DEFAULT_LATENCY_JITTER}
   * @param host address to bind; default {@link #DEFAULT_HOST}
   * @param port port to bind, 0 for an ephemeral one; default {@link #DEFAULT_PORT}
   * @param ioThreads event-loop threads; default {@link #DEFAULT_IO_THREADS}
   * @param tls whether to serve HTTPS with a self-signed certificate; default false
   */
  public record Options(
      Duration latency, Duration latencyJitter, String host, int port, int ioThreads, boolean tls) {

    /** No latency. */
    public static final Duration DEFAULT_LATENCY = Duration.ZERO;

    /** No jitter. */
    public static final Duration DEFAULT_LATENCY_JITTER = Duration.ZERO;

    /** Loopback only. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    /** An ephemeral port. */
    public static final int DEFAULT_PORT = 0;

    /** Enough for tests; benchmarks may want more. */
    public static final int DEFAULT_IO_THREADS = 2;

    /**
     * Validates every field.
     *
     * @throws IllegalArgumentException naming the invalid field
     */
    public Options {
      Objects.requireNonNull(latency, "latency");
      Objects.requireNonNull(latencyJitter, "latencyJitter");
      Objects.requireNonNull(host, "host");
      require(!latency.isNegative(), "latency must be >= 0");
      require(!latencyJitter.isNegative(), "latencyJitter must be >= 0");
      require(!host.isBlank(), "host must not be blank");
      require(port >= 0 && port <= 65535, "port must be in [0, 65535]");
      require(ioThreads > 0, "ioThreads must be > 0");
    }

    /** Returns the defaults: loopback, ephemeral port, no latency. */
    public static Options defaults() {
      return builder().build();
    }

    /** Returns a builder holding the defaults. */
    public static Builder builder() {
      return new Builder();
    }

    private static void require(boolean condition, String message) {
      if (!condition) {
        throw new IllegalArgumentException(message);
      }
    }

    /** Builder of {@link Options}; not thread-safe. */
    public static final class Builder {
      private Duration latency = DEFAULT_LATENCY;
      private Duration latencyJitter = DEFAULT_LATENCY_JITTER;
      private String host = DEFAULT_HOST;
      private int port = DEFAULT_PORT;
      private int ioThreads = DEFAULT_IO_THREADS;
      private boolean tls;

      private Builder() {}

      /** Sets the delay before every answer. */
      public Builder latency(Duration latency) {
        this.latency = latency;
        return this;
      }

      /** Sets the upper bound of a uniform random extra delay added to the latency. */
      public Builder latencyJitter(Duration latencyJitter) {
        this.latencyJitter = latencyJitter;
        return this;
      }

      /** Sets the address to bind. */
      public Builder host(String host) {
        this.host = host;
        return this;
      }

      /** Sets the port to bind, 0 for an ephemeral one. */
      public Builder port(int port) {
        this.port = port;
        return this;
      }

      /** Sets the number of event-loop threads. */
      public Builder ioThreads(int ioThreads) {
        this.ioThreads = ioThreads;
        return this;
      }

      /** Serves HTTPS with a self-signed certificate when true (made once per JVM, ~1 s). */
      public Builder tls(boolean tls) {
        this.tls = tls;
        return this;
      }

      /**
       * Builds the options.
       *
       * @throws IllegalArgumentException naming the invalid field
       */
      public Options build() {
        return new Options(latency, latencyJitter, host, port, ioThreads, tls);
      }
    }
  }
}
