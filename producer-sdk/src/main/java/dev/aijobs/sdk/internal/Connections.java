package dev.aijobs.sdk.internal;

import com.rabbitmq.client.Address;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.aijobs.sdk.ClientConfig;
import java.io.IOException;
import java.net.URISyntaxException;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the client's connections: automatic recovery (connection, channels, the reply queue and its
 * consumer), every thread from {@link SdkThreads}, the classic blocking socket I/O.
 */
final class Connections {
  private static final Logger LOG = LoggerFactory.getLogger(Connections.class);

  private final ConnectionFactory factory;
  private final List<Address> addresses;

  Connections(ClientConfig config, SdkThreads threads) {
    factory = new ConnectionFactory();
    try {
      factory.setUri(config.uri());
    } catch (URISyntaxException | GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("uri is not a usable AMQP URI: " + e.getMessage(), e);
    }
    factory.setAutomaticRecoveryEnabled(true);
    factory.setTopologyRecoveryEnabled(true);
    factory.setNetworkRecoveryInterval(config.recoveryInterval().toMillis());
    factory.setConnectionTimeout(Math.toIntExact(config.connectionTimeout().toMillis()));
    factory.setThreadFactory(threads.factory());
    factory.setSharedExecutor(threads.dispatch());
    factory.setHeartbeatExecutor(threads.timer());
    addresses = config.addresses().stream().map(Address::parseAddress).toList();
  }

  /** Opens a connection the broker shows as {@code name}. */
  Connection open(String name) throws IOException, TimeoutException {
    return addresses.isEmpty()
        ? factory.newConnection(name)
        : factory.newConnection(addresses, name);
  }

  /** Closes a connection, waiting up to {@code timeoutMillis}, then aborts it. Never throws. */
  static void close(Connection connection, int timeoutMillis) {
    if (connection == null) {
      return;
    }
    try {
      connection.close(timeoutMillis);
    } catch (IOException | RuntimeException e) {
      LOG.debug("connection close failed, aborting: {}", e.getMessage());
      connection.abort(timeoutMillis);
    }
  }
}
