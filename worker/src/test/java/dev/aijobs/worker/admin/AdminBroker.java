package dev.aijobs.worker.admin;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import dev.aijobs.protocol.Topology;
import dev.aijobs.testkit.TestBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The broker side of the queue tool's tests. On the local broker the tests get a vhost of their own
 * (created with rabbitmqctl), so workers of other tests or of a developer's shell cannot take their
 * messages; elsewhere they use the broker's default vhost and purge the queues before each test.
 */
final class AdminBroker implements AutoCloseable {
  /** Per process: two test runs on one broker (a developer's and CI's) never share it. */
  static final String VHOST = "aijobs-admin-it-" + ProcessHandle.current().pid();

  /** Output and exit code of one run of the tool. */
  record Run(int code, String out, String err) {}

  private final String uri;
  private final Connection connection;
  private final Channel channel;

  AdminBroker() throws Exception {
    this.uri = isolatedUri(TestBroker.uri());
    ConnectionFactory cf = new ConnectionFactory();
    cf.setUri(uri);
    connection = cf.newConnection("aijobs-admin-it");
    channel = connection.createChannel();
    channel.confirmSelect();
  }

  private static String isolatedUri(String base) {
    URI u = URI.create(base);
    boolean local = "localhost".equals(u.getHost()) || "127.0.0.1".equals(u.getHost());
    if (!local || u.getUserInfo() == null) {
      return base;
    }
    try {
      if (!TestBroker.rabbitmqctl("list_vhosts", "name").lines().anyMatch(VHOST::equals)) {
        TestBroker.rabbitmqctl("add_vhost", VHOST);
      }
      String user = u.getUserInfo().split(":", 2)[0];
      TestBroker.rabbitmqctl("set_permissions", "-p", VHOST, user, ".*", ".*", ".*");
    } catch (IllegalStateException e) {
      return base; // no rabbitmqctl here: share the default vhost
    }
    return u.getScheme()
        + "://"
        + u.getRawUserInfo()
        + "@"
        + u.getHost()
        + ":"
        + u.getPort()
        + "/"
        + VHOST;
  }

  String uri() {
    return uri;
  }

  /** Declares the worker's topology exactly as the worker does and empties both queues. */
  void reset() throws Exception {
    Topology.declareWorkerSide(channel);
    channel.queuePurge(Topology.JOBS_QUEUE);
    channel.queuePurge(Topology.DEAD_LETTER_QUEUE);
  }

  /** Publishes a dead letter the way the worker does: to ai.jobs.dlx with the reason headers. */
  void deadLetter(
      String id, String routingKey, String code, String reason, Map<String, Object> more)
      throws Exception {
    Map<String, Object> headers = new HashMap<>(more);
    if (code != null) {
      headers.put(Topology.HEADER_ERROR_CODE, code);
      headers.put(Topology.HEADER_REASON, reason);
    }
    AMQP.BasicProperties props =
        new AMQP.BasicProperties.Builder()
            .contentType(Topology.CONTENT_TYPE)
            .deliveryMode(2)
            .messageId(id)
            .replyTo("admin-it-replies")
            .headers(headers)
            .build();
    String body = "{\"v\":1,\"id\":\"" + id + "\",\"provider\":\"" + routingKey + "\"}";
    channel.basicPublish(
        Topology.DEAD_LETTER_EXCHANGE, routingKey, props, body.getBytes(StandardCharsets.UTF_8));
    channel.waitForConfirmsOrDie(10_000);
  }

  long depth(String queue) throws Exception {
    return channel.queueDeclarePassive(queue).getMessageCount();
  }

  /** Takes (and acks) every ready message of {@code queue}. */
  List<GetResponse> drain(String queue) throws Exception {
    List<GetResponse> taken = new ArrayList<>();
    for (GetResponse r; (r = channel.basicGet(queue, true)) != null; ) {
      taken.add(r);
    }
    return taken;
  }

  void unbindJobsQueue() throws Exception {
    channel.queueUnbind(Topology.JOBS_QUEUE, Topology.JOBS_EXCHANGE, Topology.ALL_ROUTING_KEYS);
  }

  /** Declares {@code provider}'s lane as a lane worker does (ai.jobs stays bound here). */
  void declareLane(String provider) throws Exception {
    Topology.declareLane(channel, provider);
  }

  /** Deletes {@code queue} if it exists (on a channel of its own: a failure closes it). */
  void deleteQueue(String queue) throws Exception {
    try (Channel ch = connection.createChannel()) {
      ch.queueDelete(queue);
    } catch (java.io.IOException | com.rabbitmq.client.AlreadyClosedException e) {
      // not there
    }
  }

  /** Publishes {@code body} straight into {@code queue} (default exchange), confirmed. */
  void publishTo(String queue, String body) throws Exception {
    channel.basicPublish(
        "",
        queue,
        new AMQP.BasicProperties.Builder().contentType(Topology.CONTENT_TYPE).build(),
        body.getBytes(StandardCharsets.UTF_8));
    channel.waitForConfirmsOrDie(10_000);
  }

  /** Runs the tool in this JVM against this broker. */
  Run cli(String... args) {
    return cli(Map.of(), args);
  }

  /** Runs the tool in this JVM against this broker, with {@code env} as its environment. */
  Run cli(Map<String, String> env, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--uri");
    all.add(uri);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        AdminCli.run(
            all.toArray(String[]::new),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            env);
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Override
  public void close() throws java.io.IOException {
    connection.close();
    if (uri.endsWith("/" + VHOST)) {
      // Leave the broker as the tests found it.
      TestBroker.rabbitmqctl("delete_vhost", VHOST);
    }
  }
}
