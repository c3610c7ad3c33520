package dev.aijobs.testkit;

import dev.aijobs.testkit.internal.socks.SocksInitializer;
import dev.aijobs.testkit.internal.socks.SocksPolicy;
import dev.aijobs.testkit.internal.socks.TunnelLog;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.socksx.v5.Socks5CommandStatus;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A SOCKS5 server (RFC 1928 CONNECT, optional RFC 1929 username/password) on loopback that really
 * relays bytes to the requested target in {@link Mode#NORMAL} and injects proxy-layer failures in
 * the other modes. It records every CONNECT as a {@link SocksTunnel} (requested host, port, address
 * type, user, bytes each way, outcome), so a test can prove that traffic crossed it and how the
 * client named the target.
 *
 * <p>The mode is read when a connection is accepted: {@link #setMode(Mode)} affects new connections
 * only (except {@link Mode#REFUSE}, which closes the listening socket at once; leaving it rebinds
 * the same port). Target host names are resolved by the server.
 *
 * <p>Thread-safe. {@link #close()} must not be called from the server's own event loop.
 */
public final class FaultSocks5Server implements AutoCloseable {

  /** The failure the server injects. */
  public enum Mode {
    /** Relay faithfully. */
    NORMAL,
    /** Not listening: connects are refused (the listening socket is closed). */
    REFUSE,
    /** Accept TCP, then close at once without a byte. */
    CLOSE_ON_ACCEPT,
    /** Ask for username/password and reject whatever is sent. */
    AUTH_REJECT,
    /** Answer the greeting with NO ACCEPTABLE METHODS (0xFF), then close. */
    NO_ACCEPTABLE_METHOD,
    /** Answer CONNECT with {@link Options#failureStatus()}, then close. */
    REPLY_FAILURE,
    /** Accept TCP and never answer the greeting. */
    STALL_HANDSHAKE,
    /** Answer the greeting with random bytes that are not a SOCKS5 reply; stay open. */
    GARBAGE,
    /** Answer CONNECT with SUCCESS, then relay nothing in either direction; stay open. */
    BLACKHOLE_AFTER_CONNECT,
    /** Relay, then close both sides after {@link Options#cutAfterBytes()} bytes from the target. */
    CLOSE_MID_RESPONSE,
    /** Like {@link #CLOSE_MID_RESPONSE} but the client side is reset (RST, SO_LINGER 0). */
    RESET_MID_RESPONSE
  }

  private final EventLoopGroup group;
  private final ChannelGroup clients = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final TunnelLog log = new TunnelLog();
  private final String host;
  private final int port;
  private volatile SocksPolicy policy;
  private Channel serverChannel; // guarded by this; null while refusing
  private EventLoopGroup acceptor; // guarded by this; null while refusing
  private boolean closed; // guarded by this

  private FaultSocks5Server(Options options) {
    this.group =
        new MultiThreadIoEventLoopGroup(
            options.ioThreads(),
            new DefaultThreadFactory("fault-socks5", true),
            NioIoHandler.newFactory());
    this.host = options.host();
    this.policy =
        new SocksPolicy(
            options.mode(),
            options.failureStatus(),
            options.cutAfterBytes(),
            options.credentials(),
            options.connectTimeout());
    try {
      this.serverChannel = bind(options.port());
    } catch (RuntimeException e) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw e;
    }
    this.port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
    if (options.mode() == Mode.REFUSE) {
      unbind();
    }
  }

  /** Starts a server with {@link Options#defaults()}: loopback, ephemeral port, NORMAL. */
  public static FaultSocks5Server start() {
    return start(Options.defaults());
  }

  /**
   * Starts a server and waits until it is bound (even in {@link Mode#REFUSE}, which then closes the
   * socket, so the port is known and reserved for a later rebind).
   *
   * @param options the configuration
   * @return the running server
   * @throws IllegalStateException when the address cannot be bound
   */
  public static FaultSocks5Server start(Options options) {
    return new FaultSocks5Server(options);
  }

  /** Returns the port (fixed for the server's lifetime, also while refusing). */
  public int port() {
    return port;
  }

  /** Returns the address clients connect to. */
  public InetSocketAddress address() {
    return new InetSocketAddress(host, port);
  }

  /** Returns {@code socks5://HOST:PORT} (without credentials). */
  public String url() {
    String literal = host.contains(":") ? "[" + host + "]" : host;
    return "socks5://" + literal + ":" + port;
  }

  /** Returns the current mode. */
  public Mode mode() {
    return policy.mode();
  }

  /**
   * Switches the mode for connections accepted from now on. Entering {@link Mode#REFUSE} closes the
   * listening socket; leaving it binds the same port again.
   *
   * @param mode the new mode
   * @throws IllegalStateException when the port cannot be bound again or the server is closed
   */
  public synchronized void setMode(Mode mode) {
    Objects.requireNonNull(mode, "mode");
    if (closed) {
      throw new IllegalStateException(this + " is closed");
    }
    policy = policy.withMode(mode);
    if (mode == Mode.REFUSE && serverChannel != null) {
      unbind();
    } else if (mode != Mode.REFUSE && serverChannel == null) {
      serverChannel = bind(port);
    }
  }

  /**
   * Sets the reply status of {@link Mode#REPLY_FAILURE} for connections accepted from now on.
   *
   * @param status e.g. {@link Socks5CommandStatus#CONNECTION_REFUSED}; not SUCCESS
   */
  public synchronized void setFailureStatus(Socks5CommandStatus status) {
    Options.requireFailure(status);
    policy = policy.withFailureStatus(status);
  }

  /**
   * Sets how many target bytes the mid-response modes relay before cutting, for connections
   * accepted from now on.
   *
   * @param bytes at least 0
   */
  public synchronized void setCutAfterBytes(long bytes) {
    Options.requireCut(bytes);
    policy = policy.withCutAfterBytes(bytes);
  }

  /** Returns snapshots of every CONNECT request since start or {@link #reset()}, oldest first. */
  public List<SocksTunnel> tunnels() {
    return log.snapshot();
  }

  /** Returns the number of CONNECT requests since start or {@link #reset()}. */
  public int tunnelCount() {
    return log.tunnelCount();
  }

  /** Returns the number of TCP connections accepted since start or {@link #reset()}. */
  public long connectionCount() {
    return log.connectionCount();
  }

  /**
   * Closes every client connection (and so its tunnel) now, as a proxy restart would; the server
   * keeps listening in its current mode.
   */
  public void closeConnections() {
    clients.close().awaitUninterruptibly();
  }

  /** Forgets recorded tunnels and connections; live tunnels keep relaying. */
  public void reset() {
    log.reset();
  }

  /** Closes the listening socket, every tunnel and the event loop; idempotent. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      if (serverChannel != null) {
        unbind();
      }
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
  }

  @Override
  public String toString() {
    return "FaultSocks5Server[" + url() + ", " + mode() + "]";
  }

  /**
   * Closes the listening socket for certain. A closed NIO channel keeps its socket listening until
   * its selector deregisters it, so the acceptor's own event loop is shut down and awaited too.
   */
  private void unbind() {
    serverChannel.close().awaitUninterruptibly();
    acceptor.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly();
    serverChannel = null;
    acceptor = null;
  }

  private Channel bind(int bindPort) {
    acceptor =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("fault-socks5-accept", true), NioIoHandler.newFactory());
    ChannelFuture bind =
        new ServerBootstrap()
            .group(acceptor, group)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    clients.add(ch);
                    ch.pipeline().addLast(new SocksInitializer(() -> policy, log));
                  }
                })
            .bind(host, bindPort)
            .awaitUninterruptibly();
    if (!bind.isSuccess()) {
      acceptor.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      acceptor = null;
      throw new IllegalStateException(
          "fault SOCKS5 server cannot bind " + host + ":" + bindPort, bind.cause());
    }
    return bind.channel();
  }

  /**
   * A user name and password for RFC 1929 authentication; {@code toString} hides the password.
   *
   * @param username the user name, 1..255 bytes
   * @param password the password, 1..255 bytes
   */
  public record Credentials(String username, String password) {

    /** Validates both fields. */
    public Credentials {
      Objects.requireNonNull(username, "username");
      Objects.requireNonNull(password, "password");
      Options.require(!username.isEmpty() && username.length() <= 255, "username length");
      Options.require(!password.isEmpty() && password.length() <= 255, "password length");
    }

    @Override
    public String toString() {
      return "Credentials[" + username + ", ****]";
    }
  }

  /**
   * Immutable configuration of a {@link FaultSocks5Server}, made by {@link #builder()}.
   *
   * @param host address to bind; default {@link #DEFAULT_HOST}
   * @param port port to bind, 0 for an ephemeral one; default 0
   * @param ioThreads event-loop threads; default {@link #DEFAULT_IO_THREADS}
   * @param mode the initial mode; default {@link Mode#NORMAL}
   * @param failureStatus the reply of {@link Mode#REPLY_FAILURE}; default {@link
   *     Socks5CommandStatus#FAILURE}
   * @param cutAfterBytes target bytes relayed before a mid-response cut; default {@link
   *     #DEFAULT_CUT_AFTER_BYTES}
   * @param credentials required user name and password; default none (no authentication)
   * @param connectTimeout how long to try reaching a target; default {@link
   *     #DEFAULT_CONNECT_TIMEOUT}
   */
  public record Options(
      String host,
      int port,
      int ioThreads,
      Mode mode,
      Socks5CommandStatus failureStatus,
      long cutAfterBytes,
      Optional<Credentials> credentials,
      Duration connectTimeout) {

    /** Loopback only. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    /** Enough for tests. */
    public static final int DEFAULT_IO_THREADS = 1;

    /** Part of an HTTP status line: the response has started, and is broken. */
    public static final long DEFAULT_CUT_AFTER_BYTES = 16;

    /** Generous for loopback targets. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /**
     * Validates every field.
     *
     * @throws IllegalArgumentException naming the invalid field
     */
    public Options {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(mode, "mode");
      Objects.requireNonNull(credentials, "credentials");
      Objects.requireNonNull(connectTimeout, "connectTimeout");
      require(!host.isBlank(), "host must not be blank");
      require(port >= 0 && port <= 65535, "port must be in [0, 65535]");
      require(ioThreads > 0, "ioThreads must be > 0");
      requireFailure(failureStatus);
      requireCut(cutAfterBytes);
      require(
          !connectTimeout.isNegative()
              && !connectTimeout.isZero()
              && connectTimeout.toMillis() <= Integer.MAX_VALUE,
          "connectTimeout must be > 0");
    }

    /** Returns the defaults: loopback, ephemeral port, NORMAL, no authentication. */
    public static Options defaults() {
      return builder().build();
    }

    /** Returns a builder holding the defaults. */
    public static Builder builder() {
      return new Builder();
    }

    static void requireFailure(Socks5CommandStatus status) {
      Objects.requireNonNull(status, "failureStatus");
      require(status != Socks5CommandStatus.SUCCESS, "failureStatus must not be SUCCESS");
    }

    static void requireCut(long bytes) {
      require(bytes >= 0, "cutAfterBytes must be >= 0");
    }

    static void require(boolean condition, String message) {
      if (!condition) {
        throw new IllegalArgumentException(message);
      }
    }

    /** Builder of {@link Options}; not thread-safe. */
    public static final class Builder {
      private String host = DEFAULT_HOST;
      private int port;
      private int ioThreads = DEFAULT_IO_THREADS;
      private Mode mode = Mode.NORMAL;
      private Socks5CommandStatus failureStatus = Socks5CommandStatus.FAILURE;
      private long cutAfterBytes = DEFAULT_CUT_AFTER_BYTES;
      private Optional<Credentials> credentials = Optional.empty();
      private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;

      private Builder() {}

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

      /** Sets the initial mode. */
      public Builder mode(Mode mode) {
        this.mode = mode;
        return this;
      }

      /** Sets the reply status of {@link Mode#REPLY_FAILURE}. */
      public Builder failureStatus(Socks5CommandStatus failureStatus) {
        this.failureStatus = failureStatus;
        return this;
      }

      /** Sets how many target bytes the mid-response modes relay before cutting. */
      public Builder cutAfterBytes(long cutAfterBytes) {
        this.cutAfterBytes = cutAfterBytes;
        return this;
      }

      /** Requires RFC 1929 username/password authentication with these credentials. */
      public Builder credentials(String username, String password) {
        this.credentials = Optional.of(new Credentials(username, password));
        return this;
      }

      /** Sets how long the server tries to reach a target. */
      public Builder connectTimeout(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
        return this;
      }

      /**
       * Builds the options.
       *
       * @throws IllegalArgumentException naming the invalid field
       */
      public Options build() {
        return new Options(
            host, port, ioThreads, mode, failureStatus, cutAfterBytes, credentials, connectTimeout);
      }
    }
  }
}
