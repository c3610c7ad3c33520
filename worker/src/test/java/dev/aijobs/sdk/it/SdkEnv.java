package dev.aijobs.sdk.it;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.aijobs.protocol.Topology;
import dev.aijobs.sdk.ClientConfig;
import dev.aijobs.testkit.MockUpstream;
import dev.aijobs.testkit.TestBroker;
import dev.aijobs.worker.Worker;
import dev.aijobs.worker.config.ConfigLoader;
import dev.aijobs.worker.config.ConfigSource;
import dev.aijobs.worker.it.ItBroker;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

/**
 * What the SDK integration tests share: an in-process worker on the mock upstream (provider {@code
 * mock}), client configs on the test broker, reply queue clean-up and {@code rabbitmqctl} look-ups.
 */
final class SdkEnv {
  private SdkEnv() {}

  /** Environment for an in-process worker against the test broker and the mock upstream. */
  static Map<String, String> workerEnv(MockUpstream upstream) {
    Map<String, String> env = new HashMap<>();
    env.put("AIJOBS_AMQP_URI", ItBroker.uri());
    env.put("AIJOBS_PROVIDER_MOCK_BASE_URL", upstream.baseUrl());
    env.put("AIJOBS_HTTP_HOST", "127.0.0.1");
    env.put("AIJOBS_HTTP_PORT", "0");
    env.put("AIJOBS_SUMMARY_INTERVAL", "0s");
    env.put("AIJOBS_DRAIN_TIMEOUT", "10s");
    // No start-up warm-up: these tests start many workers, and what it speeds up is measured by
    // the bench (ShippedSettingsIT runs the shipped default).
    env.put("AIJOBS_WARM_UP_JOBS", "0");
    // Fewer concurrent upstream calls than the default, so that 10,000 jobs in a burst do not
    // time out against the one-thread mock upstream on a 2-core machine.
    env.put("AIJOBS_MAX_IN_FLIGHT", "500");
    return env;
  }

  /** Starts an in-process worker after declaring the worker's topology. */
  static Worker startWorker(MockUpstream upstream) throws Exception {
    return startWorker(workerEnv(upstream));
  }

  /** Starts an in-process worker with this environment after declaring the worker's topology. */
  static Worker startWorker(Map<String, String> env) throws Exception {
    try (Connection c = ItBroker.connectionFactory().newConnection("aijobs-sdk-it-setup");
        Channel ch = c.createChannel()) {
      Topology.declareWorkerSide(ch);
    }
    return Worker.start(ConfigLoader.load(ConfigSource.of(env)));
  }

  /** A unique reply queue name for one test. */
  static String replyQueue(String test) {
    return "aijobs.sdk.it." + test + "." + UUID.randomUUID();
  }

  /** A client config on the test broker with this reply queue and a unique connection name. */
  static ClientConfig.Builder config(String replyQueue) {
    return ClientConfig.builder()
        .uri(ItBroker.uri())
        .replyQueue(replyQueue)
        .connectionName("aijobs-sdk-it-" + UUID.randomUUID())
        .recoveryInterval(java.time.Duration.ofMillis(500));
  }

  /** Deletes queues (and exchanges, names starting with {@code x:}) over a fresh connection. */
  static void delete(String... names) throws IOException, TimeoutException {
    try (Connection c = ItBroker.connectionFactory().newConnection("aijobs-sdk-it-cleanup")) {
      for (String name : names) {
        if (name == null) {
          continue;
        }
        try (Channel ch = c.createChannel()) {
          if (name.startsWith("x:")) {
            ch.exchangeDelete(name.substring(2));
          } else {
            ch.queueDelete(name);
          }
        } catch (IOException | TimeoutException e) {
          // already gone
        }
      }
    }
  }

  /** Messages ready in a queue. */
  static long messageCount(String queue) throws IOException, TimeoutException {
    try (Connection c = ItBroker.connectionFactory().newConnection("aijobs-sdk-it-count");
        Channel ch = c.createChannel()) {
      return ch.queueDeclarePassive(queue).getMessageCount();
    }
  }

  /** The broker pids of the connections whose client-given name starts with {@code prefix}. */
  static List<String> connectionPids(String prefix) {
    String out =
        TestBroker.rabbitmqctl(
            "list_connections", "-q", "--no-table-headers", "pid", "client_properties");
    List<String> pids = new ArrayList<>();
    for (String line : out.split("\n")) {
      int tab = line.indexOf('\t');
      if (tab > 0 && line.contains("{\"connection_name\",\"" + prefix)) {
        pids.add(line.substring(0, tab).trim());
      }
    }
    return pids;
  }

  /** The numbers of the channels open on the connection with broker pid {@code pid}. */
  static List<String> channelNumbers(String pid) {
    String out =
        TestBroker.rabbitmqctl("list_channels", "-q", "--no-table-headers", "connection", "number");
    List<String> numbers = new ArrayList<>();
    for (String line : out.split("\n")) {
      String[] cols = line.trim().split("\t");
      if (cols.length == 2 && cols[0].trim().equals(pid)) {
        numbers.add(cols[1].trim());
      }
    }
    return numbers;
  }

  /** Closes every connection whose name starts with {@code prefix}; returns how many. */
  static int closeConnections(String prefix, String why) {
    List<String> pids = connectionPids(prefix);
    for (String pid : pids) {
      TestBroker.rabbitmqctl("close_connection", pid, why);
    }
    return pids.size();
  }
}
