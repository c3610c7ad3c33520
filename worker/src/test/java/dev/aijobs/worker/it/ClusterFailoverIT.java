package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Address;
import com.rabbitmq.client.AddressResolver;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.aijobs.protocol.Topology;
import dev.aijobs.sdk.AiJobsClient;
import dev.aijobs.sdk.ClientConfig;
import dev.aijobs.sdk.Jobs;
import dev.aijobs.sdk.PublishException;
import dev.aijobs.testkit.MockUpstream;
import dev.aijobs.worker.Worker;
import dev.aijobs.worker.metrics.WorkerMetrics;
import dev.aijobs.worker.reply.ConfirmingPublisher;
import io.micrometer.core.instrument.search.Search;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A kill -9 of the node leading the {@code ai.jobs} quorum queue, in a 3-node cluster started by
 * {@code scripts/cluster.sh}, while two workers have jobs in flight: one consuming on the leader
 * (it declared the queue, and a quorum queue's leader is placed on the declaring client's node), so
 * it loses its connection and reconnects; one connected only to the other two nodes, so it keeps
 * its connections while the queue elects a new leader under it. Every job still gets an ok result
 * (some twice: a job redelivered after the loss may be answered again), and the worker away from
 * the leader goes on taking jobs. The bot's quorum reply queue is led by the killed node too, so
 * results are first published while it elects a new leader: RabbitMQ 3.10 then keeps refusing a
 * channel whose first publish to that queue came in the election, and the worker replaces such a
 * channel ({@code ConfirmingPublisher}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFailoverIT {
  private static final int JOBS = 300;
  private static final String SCRIPT = "../scripts/cluster.sh";
  private static final Map<String, String> ADDRESS =
      Map.of("c1", "127.0.0.1:5681", "c2", "127.0.0.1:5682", "c3", "127.0.0.1:5683");
  private static final String ADDRESSES = "127.0.0.1:5681,127.0.0.1:5682,127.0.0.1:5683";
  private static final String REPLY_QUEUE = "aijobs.it.cluster.replies";
  private static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void startCluster() throws Exception {
    script(Duration.ofMinutes(4), "start");
  }

  @AfterAll
  static void stopCluster() throws Exception {
    script(Duration.ofMinutes(2), "stop");
  }

  @Test
  @Order(1)
  void killingTheQueueLeaderLosesNoJob() throws Exception {
    try (MockUpstream upstream =
        MockUpstream.start(
            MockUpstream.Options.builder().latency(Duration.ofMillis(300)).build())) {
      Map<String, String> env = Workers.env(upstream);
      env.put("AIJOBS_AMQP_URI", "amqp://guest:guest@127.0.0.1:5681/%2F");
      env.put("AIJOBS_AMQP_ADDRESSES", ADDRESSES);
      env.put("AIJOBS_MAX_IN_FLIGHT", "10");
      // The client shuffles the address list: which node a worker connects to is chance, unless
      // its list leaves a node out. The first worker may go anywhere and declares ai.jobs.
      try (Worker onLeader = Worker.start(Workers.config(env))) {
        await().atMost(Duration.ofSeconds(60)).until(onLeader::isReady);
        // The leader is found before publishing (rabbitmqctl takes seconds): the kill then lands
        // while the run is young. 2 x 10 in flight at 300 ms each make 300 jobs last about 5 s.
        String leader = script(Duration.ofSeconds(90), "leader", Topology.JOBS_QUEUE).strip();
        String node = leader.substring(0, leader.indexOf('@'));
        String pid = script(Duration.ofSeconds(10), "pid", node).strip();
        List<String[]> first = workerConnections();
        assertThat(first)
            .as("the first worker consumes on the node that leads the queue it declared")
            .anyMatch(c -> c[0].equals(node) && c[2].equals("aijobs-worker-consume"));
        // The second worker knows only the two other nodes.
        env.put(
            "AIJOBS_AMQP_ADDRESSES",
            ADDRESS.entrySet().stream()
                .filter(e -> !e.getKey().equals(node))
                .map(Map.Entry::getValue)
                .sorted()
                .collect(Collectors.joining(",")));
        try (ClusterBot bot = new ClusterBot(node);
            Worker awayFromLeader = Worker.start(Workers.config(env))) {
          assertThat(script(Duration.ofSeconds(90), "leader", REPLY_QUEUE).strip())
              .as("the bot's reply queue is led by the node that will be killed")
              .isEqualTo(leader);
          await().atMost(Duration.ofSeconds(60)).until(awayFromLeader::isReady);
          List<String[]> second = workerConnections();
          second.removeIf(c -> first.stream().anyMatch(f -> f[1].equals(c[1])));
          assertThat(second).as("the second worker's connections").hasSize(2);
          assertThat(second).noneMatch(c -> c[0].equals(node));

          for (int i = 0; i < JOBS; i++) {
            bot.publish("c-" + i);
          }
          bot.awaitConfirms();
          await()
              .atMost(Duration.ofSeconds(30))
              .until(() -> onLeader.inFlight() > 0 && awayFromLeader.inFlight() > 0);
          int answeredBefore = bot.okIds().size();
          int inFlightBefore = onLeader.inFlight() + awayFromLeader.inFlight();
          int awayInFlight = awayFromLeader.inFlight();
          double awayCompleted = completed(awayFromLeader);
          run(Duration.ofSeconds(10), "kill", "-9", pid);
          assertThat(answeredBefore).as("jobs answered before the kill").isLessThan(JOBS);
          System.out.printf(
              "ClusterFailoverIT: killed %s (pid %s), leader of %s, with %d in flight and %d of %d"
                  + " jobs answered; worker on the leader connected as %s, worker away from it"
                  + " as %s%n",
              leader,
              pid,
              Topology.JOBS_QUEUE,
              inFlightBefore,
              answeredBefore,
              JOBS,
              describe(first),
              describe(second));

          try {
            await()
                .atMost(Duration.ofSeconds(180))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> bot.okIds().size() == JOBS);
          } catch (org.awaitility.core.ConditionTimeoutException e) {
            // Say where the missing jobs are: a failure here must be diagnosable from its message.
            throw new AssertionError(
                diagnosis(bot, onLeader, awayFromLeader) + "; worker logs above", e);
          }
          System.out.printf(
              "ClusterFailoverIT: %d jobs, %d answered ok, %d results in all (%d duplicates),"
                  + " %d not ok, new leader %s; jobs completed by the worker on the old leader"
                  + " %.0f, by the worker away from it %.0f (%.0f after the kill)%n",
              JOBS,
              bot.okIds().size(),
              bot.results.get(),
              bot.results.get() - bot.notOk.get() - bot.okIds().size(),
              bot.notOk.get(),
              script(Duration.ofSeconds(90), "leader", Topology.JOBS_QUEUE).strip(),
              completed(onLeader),
              completed(awayFromLeader),
              completed(awayFromLeader) - awayCompleted);
          for (int i = 0; i < JOBS; i++) {
            assertThat(bot.okIds()).contains("c-" + i);
          }
          assertThat(bot.returned.get()).as("unroutable jobs").isZero();
          assertThat(completed(awayFromLeader) - awayCompleted)
              .as(
                  "jobs the worker away from the leader completed after the kill: more than it had"
                      + " in flight, so it took new ones from the new leader")
              .isGreaterThan(awayInFlight);
        }
      }
    }
  }

  /**
   * The RabbitMQ 3.10 fault behind a channel that keeps refusing a quorum queue, made certain: the
   * queue is led by c1, c3's app is stopped and c1 is killed, so the queue has no leader when the
   * publisher's channel (on c2) first publishes to it, and the broker refuses that. Once c3 is back
   * the queue elects a leader, yet that channel would go on refusing it: the worker's publisher and
   * the SDK's (a bot publishing jobs to the queue) replace the channel and the next message is
   * confirmed.
   */
  @Test
  @Order(2)
  void aChannelThatKeepsRefusingAQueueWithANewLeaderIsReplaced() throws Exception {
    for (String n : ADDRESS.keySet()) {
      if (!running(n)) {
        script(Duration.ofMinutes(3), "restart", n); // the node the test above killed
      }
    }
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).until(() -> up());
    String queue = "aijobs.it.cluster.stuck";
    ConnectionFactory cf = new ConnectionFactory();
    cf.setUsername("guest");
    cf.setPassword("guest");
    cf.setVirtualHost("/");
    try (Connection declaring =
        cf.newConnection(List.of(Address.parseAddress(ADDRESS.get("c1"))), "aijobs-it-declare")) {
      Channel ch = declaring.createChannel();
      ch.queueDelete(queue);
      ch.queueDeclare(queue, true, false, false, Map.of("x-queue-type", "quorum"));
    }
    assertThat(script(Duration.ofSeconds(90), "leader", queue).strip()).isEqualTo("c1@localhost");
    @SuppressWarnings("deprecation") // as the worker: a Netty event loop for AMQP publishes
    io.netty.channel.EventLoopGroup group = new io.netty.channel.nio.NioEventLoopGroup(1);
    ClientConfig sdkConfig =
        ClientConfig.builder()
            .uri("amqp://guest:guest@" + ADDRESS.get("c2") + "/%2F")
            .exchange(queue + ".x")
            .replyQueue(queue + ".replies")
            .connectionName("aijobs-it-cluster-sdk")
            .build();
    try (Connection onC2 =
            cf.newConnection(
                List.of(Address.parseAddress(ADDRESS.get("c2"))), "aijobs-it-cluster-publisher");
        AiJobsClient sdk = AiJobsClient.create(sdkConfig)) {
      // The bot's SDK publishes jobs through its exchange to the same queue.
      try (Channel ch = onC2.createChannel()) {
        ch.queueBind(queue, queue + ".x", "#");
      }
      ConfirmingPublisher publisher = new ConfirmingPublisher(onC2, group.next());
      Callable<String> workerPublish = () -> outcome(publisher, queue);
      Callable<String> sdkPublish = () -> outcome(sdk);
      try {
        script(Duration.ofSeconds(60), "ctl", "c3", "stop_app");
        run(
            Duration.ofSeconds(10),
            "kill",
            "-9",
            script(Duration.ofSeconds(10), "pid", "c1").strip());
        assertThat(workerPublish.call())
            .as("the worker's first publish to a queue without a leader")
            .isEqualTo("nack");
        assertThat(sdkPublish.call())
            .as("the SDK's first publish to a queue without a leader")
            .isEqualTo("nack");
        script(Duration.ofSeconds(60), "ctl", "c3", "start_app");
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofSeconds(1))
            .until(() -> !leaderOf(queue).equals("c1@localhost"));
        List<String> worker = untilConfirmed("the worker's publisher", workerPublish, queue);
        List<String> bot = untilConfirmed("the SDK", sdkPublish, queue);
        System.out.printf(
            "ClusterFailoverIT: new leader %s; publishes after it: worker %s (channels replaced:"
                + " %d), SDK %s%n",
            leaderOf(queue), worker, publisher.renewals(), bot);
        assertThat(publisher.renewals()).as("channels replaced").isPositive();
        try (Channel ch = onC2.createChannel()) {
          ch.queueDelete(queue);
          ch.queueDelete(queue + ".replies");
          ch.exchangeDelete(queue + ".x");
        }
      } finally {
        publisher.close();
      }
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  /** Publishes every 200 ms until a publish is confirmed, for up to 60 s; returns the outcomes. */
  private static List<String> untilConfirmed(String who, Callable<String> publish, String queue) {
    List<String> outcomes = new java.util.concurrent.CopyOnWriteArrayList<>();
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                outcomes.add(publish.call());
                return outcomes.get(outcomes.size() - 1).equals("ack");
              });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          String.format(
              "%s: no publish confirmed within 60 s of the new leader %s: %d publishes, the last"
                  + " %s",
              who,
              leaderOf(queue),
              outcomes.size(),
              outcomes.isEmpty() ? "none" : outcomes.get(outcomes.size() - 1)),
          e);
    }
    return outcomes;
  }

  /** "ack", "nack" or the failure of one job published by the SDK. */
  private static String outcome(AiJobsClient sdk) throws Exception {
    try {
      sdk.publish(Jobs.builder("mock", "m").user("hi").timeout(Duration.ofSeconds(60)).build())
          .get(30, TimeUnit.SECONDS);
      return "ack";
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause() instanceof PublishException p
              && p.reason() == PublishException.Reason.NACKED
          ? "nack"
          : e.getCause().toString();
    }
  }

  /** "ack", "nack" or the failure of one publish to {@code queue}. */
  private static String outcome(ConfirmingPublisher publisher, String queue) throws Exception {
    try {
      publisher
          .publish(
              "",
              queue,
              new AMQP.BasicProperties.Builder().deliveryMode(2).build(),
              "m".getBytes(StandardCharsets.UTF_8))
          .get(30, TimeUnit.SECONDS);
      return "ack";
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause().getMessage().contains("nack") ? "nack" : e.getCause().toString();
    }
  }

  private static String leaderOf(String queue) {
    try {
      return script(Duration.ofSeconds(90), "leader", queue).strip();
    } catch (Exception | AssertionError e) {
      return "unknown";
    }
  }

  private static boolean running(String node) {
    try {
      script(Duration.ofSeconds(10), "pid", node);
      return true;
    } catch (Exception | AssertionError e) {
      return false;
    }
  }

  private static boolean up() {
    try {
      script(Duration.ofSeconds(90), "status");
      return true;
    } catch (Exception | AssertionError e) {
      return false;
    }
  }

  /**
   * One line on where things stand: jobs not answered (the first few), each worker's jobs in
   * flight, readiness and completions, and the queues' depths as the broker sees them.
   */
  private static String diagnosis(ClusterBot bot, Worker onLeader, Worker awayFromLeader) {
    List<String> missing = new ArrayList<>();
    for (int i = 0; i < JOBS; i++) {
      if (!bot.okIds().contains("c-" + i)) {
        missing.add("c-" + i);
      }
    }
    String queues;
    try {
      queues = script(Duration.ofSeconds(60), "queues").strip().replace('\n', ';');
    } catch (Exception | AssertionError e) {
      queues = "unknown (" + e.getMessage() + ")";
    }
    return String.format(
        "%d of %d jobs answered ok, %d results, %d not ok; missing %d: %s; worker on the old"
            + " leader: ready %s, %d in flight, %.0f completed; worker away from it: ready %s, %d"
            + " in flight, %.0f completed; queues (name ready unacked consumers leader): %s",
        bot.okIds().size(),
        JOBS,
        bot.results.get(),
        bot.notOk.get(),
        missing.size(),
        missing.subList(0, Math.min(10, missing.size())),
        onLeader.isReady(),
        onLeader.inFlight(),
        completed(onLeader),
        awayFromLeader.isReady(),
        awayFromLeader.inFlight(),
        completed(awayFromLeader),
        queues);
  }

  /** Jobs a worker completed (answered or dead-lettered). */
  private static double completed(Worker worker) {
    return Search.in(worker.registry()).name(WorkerMetrics.JOBS_COMPLETED).counters().stream()
        .mapToDouble(c -> c.count())
        .sum();
  }

  /**
   * The workers' connections now, from {@code scripts/cluster.sh connections}: node (cN), client
   * port, name.
   */
  private static List<String[]> workerConnections() throws Exception {
    List<String[]> found = new ArrayList<>();
    for (String line : script(Duration.ofSeconds(90), "connections").split("\n")) {
      String[] cols = line.strip().split(" ");
      if (cols.length == 3 && cols[2].startsWith("aijobs-worker-")) {
        found.add(cols);
      }
    }
    return found;
  }

  private static String describe(List<String[]> connections) {
    return connections.stream()
        .map(c -> c[2].substring("aijobs-worker-".length()) + "@" + c[0])
        .sorted()
        .collect(Collectors.joining(", "));
  }

  /** The bot's side on the cluster: plain client, address list, a quorum reply queue. */
  private static final class ClusterBot implements AutoCloseable {
    final Set<String> ok = ConcurrentHashMap.newKeySet();
    final AtomicInteger results = new AtomicInteger();
    final AtomicInteger notOk = new AtomicInteger();
    final AtomicInteger returned = new AtomicInteger();
    private final Connection connection;
    private final Channel publish;
    private final Channel consume;

    /** Connects to {@code node} first (it declares its reply queue there), the others after. */
    ClusterBot(String node) throws Exception {
      ConnectionFactory cf = new ConnectionFactory();
      cf.setUsername("guest");
      cf.setPassword("guest");
      cf.setVirtualHost("/");
      cf.setAutomaticRecoveryEnabled(true);
      cf.setTopologyRecoveryEnabled(true);
      cf.setNetworkRecoveryInterval(500);
      List<Address> addresses = new ArrayList<>();
      addresses.add(Address.parseAddress(ADDRESS.get(node)));
      ADDRESS.entrySet().stream()
          .filter(e -> !e.getKey().equals(node))
          .forEach(e -> addresses.add(Address.parseAddress(e.getValue())));
      // In this order, not shuffled: recovery after the kill goes to the next node.
      AddressResolver inOrder =
          new AddressResolver() {
            @Override
            public List<Address> getAddresses() {
              return addresses;
            }

            @Override
            public List<Address> maybeShuffle(List<Address> input) {
              return input;
            }
          };
      connection =
          cf.newConnection(
              (java.util.concurrent.ExecutorService) null, inOrder, "aijobs-it-cluster-bot");
      publish = connection.createChannel();
      Topology.declareProducerSide(publish);
      publish.confirmSelect();
      publish.addReturnListener(r -> returned.incrementAndGet());
      consume = connection.createChannel();
      consume.queueDeclare(REPLY_QUEUE, true, false, false, Map.of("x-queue-type", "quorum"));
      consume.basicQos(100);
      consume.basicConsume(
          REPLY_QUEUE,
          false,
          (tag, d) -> {
            JsonNode body = JSON.readTree(d.getBody());
            if (Topology.TYPE_RESULT.equals(d.getProperties().getType())) {
              results.incrementAndGet();
              if ("ok".equals(body.path("status").asText())) {
                ok.add(body.path("id").asText());
              } else {
                notOk.incrementAndGet();
                System.out.println("ClusterFailoverIT: result not ok: " + body);
              }
            }
            consume.basicAck(d.getEnvelope().getDeliveryTag(), false);
          },
          tag -> {});
    }

    void publish(String id) throws IOException {
      ObjectNode job = JSON.createObjectNode();
      job.put("v", 1).put("id", id).put("provider", "mock").put("model", "m");
      job.putArray("messages").addObject().put("role", "user").put("content", "hi");
      job.put("stream", false).put("created_ms", System.currentTimeMillis());
      AMQP.BasicProperties props =
          new AMQP.BasicProperties.Builder()
              .contentType(Topology.CONTENT_TYPE)
              .deliveryMode(2)
              .messageId(id)
              .replyTo(REPLY_QUEUE)
              .timestamp(new Date())
              .build();
      publish.basicPublish(
          Topology.JOBS_EXCHANGE, "mock", true, props, JSON.writeValueAsBytes(job));
    }

    void awaitConfirms() throws Exception {
      publish.waitForConfirmsOrDie(30_000);
    }

    Set<String> okIds() {
      return ok;
    }

    @Override
    public void close() throws IOException {
      try {
        consume.queueDelete(REPLY_QUEUE);
      } catch (Exception e) {
        System.out.println("ClusterFailoverIT: reply queue not deleted: " + e);
      }
      if (connection.isOpen()) {
        connection.close();
      }
    }
  }

  /**
   * Runs {@code scripts/cluster.sh} with these arguments; returns its stdout, fails on exit != 0.
   */
  private static String script(Duration timeout, String... args) throws Exception {
    String[] cmd = new String[args.length + 2];
    cmd[0] = "bash";
    cmd[1] = SCRIPT;
    System.arraycopy(args, 0, cmd, 2, args.length);
    return run(timeout, cmd);
  }

  private static String run(Duration timeout, String... cmd) throws Exception {
    // Output to a file: a detached broker may keep inherited pipes open after the script exits.
    Path out = Files.createTempFile("aijobs-cluster", ".out");
    try {
      Process p =
          new ProcessBuilder(cmd)
              .redirectOutput(out.toFile())
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", cmd) + ": no exit within " + timeout);
      }
      String text = Files.readString(out, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new AssertionError(String.join(" ", cmd) + ": exit " + p.exitValue() + "\n" + text);
      }
      return text;
    } finally {
      Files.deleteIfExists(out);
    }
  }
}
