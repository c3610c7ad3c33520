package dev.aijobs.worker.it;

import com.rabbitmq.client.ConnectionFactory;
import dev.aijobs.testkit.TestBroker;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The broker of the integration test class running now: the test broker ({@link TestBroker}), in a
 * vhost of the class's own that {@link ItVhostExtension} creates before the class and deletes after
 * it, so that a worker already running on the same broker cannot take the tests' jobs.
 */
public final class ItBroker {
  private static volatile String vhost;

  private ItBroker() {}

  /** The current test class's vhost. */
  public static String vhost() {
    String v = vhost;
    if (v == null) {
      throw new IllegalStateException(
          "no test vhost: integration test classes (named *IT) get one from ItVhostExtension");
    }
    return v;
  }

  static void use(String v) {
    vhost = v;
  }

  /** The AMQP URI of the test broker with this class's vhost. */
  public static String uri() {
    URI base = URI.create(TestBroker.uri());
    String v = URLEncoder.encode(vhost(), StandardCharsets.UTF_8);
    return base.getScheme()
        + "://"
        + base.getRawAuthority()
        + "/"
        + v
        + (base.getRawQuery() == null ? "" : "?" + base.getRawQuery());
  }

  /** A new connection factory for {@link #uri()}. */
  public static ConnectionFactory connectionFactory() {
    ConnectionFactory f = TestBroker.connectionFactory();
    f.setVirtualHost(vhost());
    return f;
  }
}
