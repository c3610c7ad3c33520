package dev.aijobs.worker.amqp;

import com.rabbitmq.client.Address;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.aijobs.worker.config.ConfigException;
import dev.aijobs.worker.config.ConfigKeys;
import dev.aijobs.worker.config.TrustStores;
import dev.aijobs.worker.config.WorkerConfig;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.net.URI;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import javax.net.ssl.SSLParameters;

/**
 * Builds the worker's {@link ConnectionFactory}: Netty I/O on the given event loop, automatic
 * recovery (reconnect to any node of the address list, re-declare, resume consuming), {@code
 * amqps://} with the JVM's or a configured trust store and host-name verification.
 */
public final class BrokerConnections {
  private BrokerConnections() {}

  /** A factory for the worker's connections. */
  public static ConnectionFactory factory(
      WorkerConfig config, EventLoopGroup loop, ExecutorService dispatch, ThreadFactory threads) {
    return factory(config, loop, dispatch, threads, ch -> {});
  }

  /**
   * A factory whose connections' socket channels are also handed to {@code onChannel} (at every
   * connect and reconnect), e.g. to pause their reads.
   */
  public static ConnectionFactory factory(
      WorkerConfig config,
      EventLoopGroup loop,
      ExecutorService dispatch,
      ThreadFactory threads,
      java.util.function.Consumer<io.netty.channel.Channel> onChannel) {
    ConnectionFactory cf = new ConnectionFactory();
    URI uri = URI.create(config.amqp().uri());
    try {
      cf.setUri(config.amqp().uri());
    } catch (Exception e) {
      throw ConfigException.invalid(
          ConfigKeys.AMQP_URI, "is not a usable AMQP URI: " + e.getMessage());
    }
    boolean tls = "amqps".equals(uri.getScheme());
    cf.netty()
        .eventLoopGroup(loop)
        .channelCustomizer(
            ch -> {
              // One result per job: the buffer is bounded by the in-flight budget.
              ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8 << 20, 32 << 20));
              SslHandler ssl = ch.pipeline().get(SslHandler.class);
              if (ssl != null) {
                SSLParameters params = ssl.engine().getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS");
                ssl.engine().setSSLParameters(params);
              }
              onChannel.accept(ch);
            });
    if (tls) {
      cf.netty().sslContext(sslContext(config));
    }
    cf.setAutomaticRecoveryEnabled(true);
    cf.setTopologyRecoveryEnabled(true);
    cf.setNetworkRecoveryInterval(2000);
    cf.setRequestedHeartbeat(30);
    cf.setConnectionTimeout(10_000);
    cf.setSharedExecutor(dispatch);
    cf.setThreadFactory(threads);
    // At least RabbitMQ's largest message (128 MiB by default): a larger limit here than the
    // broker's lets an oversized job be read and dead-lettered instead of closing the connection
    // on every redelivery.
    cf.setMaxInboundMessageBodySize(Math.max(129 << 20, config.jobs().maxBodyBytes() + (1 << 20)));
    return cf;
  }

  /** Opens a named connection to the first reachable node. */
  public static Connection open(ConnectionFactory cf, WorkerConfig config, String name)
      throws Exception {
    if (config.amqp().addresses().isEmpty()) {
      return cf.newConnection(name);
    }
    List<Address> addresses =
        List.of(Address.parseAddresses(String.join(",", config.amqp().addresses())));
    return cf.newConnection(addresses, name);
  }

  private static SslContext sslContext(WorkerConfig config) {
    return TrustStores.clientContext(ConfigKeys.AMQP_TLS_TRUST_STORE, config.amqp().trustStore());
  }
}
