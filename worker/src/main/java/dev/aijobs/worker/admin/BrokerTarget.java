package dev.aijobs.worker.admin;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.net.URI;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * Where the tool connects: the AMQP URI (credentials and vhost) and the management API's base URL,
 * which defaults to port 15672 on the AMQP host with the URI's credentials.
 */
final class BrokerTarget {
  static final String ENV_URI = "AIJOBS_AMQP_URI";
  static final String DEFAULT_URI = "amqp://guest:guest@localhost:5672/%2F";
  static final int MANAGEMENT_PORT = 15672;

  private final ConnectionFactory factory;
  private final URI managementUrl;

  private BrokerTarget(ConnectionFactory factory, URI managementUrl) {
    this.factory = factory;
    this.managementUrl = managementUrl;
  }

  /**
   * From {@code --uri} (else {@code AIJOBS_AMQP_URI}, else the local default) and {@code
   * --management-url} (else http://AMQP-HOST:15672).
   */
  static BrokerTarget of(String uriOption, String managementOption, Map<String, String> env)
      throws UsageException {
    String uri = uriOption != null ? uriOption : env.getOrDefault(ENV_URI, DEFAULT_URI);
    ConnectionFactory cf = new ConnectionFactory();
    try {
      cf.setUri(uri);
      if (uri.startsWith("amqps:")) {
        // setUri alone would trust any certificate: use the JVM's trust store and check names.
        cf.useSslProtocol(SSLContext.getDefault());
        cf.enableHostnameVerification();
      }
    } catch (Exception e) {
      throw new UsageException("--uri is not a usable AMQP URI: " + e.getMessage());
    }
    cf.setAutomaticRecoveryEnabled(false);
    cf.setConnectionTimeout(10_000);
    URI management;
    try {
      management =
          URI.create(
              managementOption != null
                  ? managementOption
                  : "http://" + hostForUrl(cf.getHost()) + ":" + MANAGEMENT_PORT);
      if (management.getScheme() == null || management.getHost() == null) {
        throw new IllegalArgumentException("needs a scheme and a host");
      }
    } catch (IllegalArgumentException e) {
      throw new UsageException("--management-url is not a URL: " + e.getMessage());
    }
    return new BrokerTarget(cf, management);
  }

  private static String hostForUrl(String host) {
    return host.contains(":") ? "[" + host + "]" : host;
  }

  Connection connect() throws AdminException {
    try {
      return factory.newConnection("aijobs-queues-cli");
    } catch (Exception e) {
      throw new AdminException(
          "cannot connect to the broker at "
              + factory.getHost()
              + ":"
              + factory.getPort()
              + " (vhost "
              + factory.getVirtualHost()
              + "): "
              + e.getMessage(),
          e);
    }
  }

  String vhost() {
    return factory.getVirtualHost();
  }

  String username() {
    return factory.getUsername();
  }

  String password() {
    return factory.getPassword();
  }

  URI managementUrl() {
    return managementUrl;
  }
}
