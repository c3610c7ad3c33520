package dev.aijobs.worker.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import dev.aijobs.protocol.Topology;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The bot's side in integration tests, written with the plain RabbitMQ client as a non-Java
 * producer would: publishes jobs to {@code ai.jobs} and collects replies from its own reply queue.
 */
final class BotSide implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();

  /** A reply as received: AMQP properties and parsed body. */
  record Reply(AMQP.BasicProperties props, JsonNode body) {}

  private final Connection connection;
  private final Channel channel;
  private final String replyQueue;
  private final Map<String, List<Reply>> replies = new ConcurrentHashMap<>();

  /** A bot with a private, server-named reply queue. */
  BotSide() throws Exception {
    this(null);
  }

  /**
   * A bot with a durable reply queue of this name (survives connection loss; delete it with {@link
   * #deleteReplyQueue()}), or a private one when null.
   */
  BotSide(String durableReplyQueue) throws Exception {
    com.rabbitmq.client.ConnectionFactory cf = ItBroker.connectionFactory();
    cf.setNetworkRecoveryInterval(500);
    connection = cf.newConnection("aijobs-it-bot");
    channel = connection.createChannel();
    replyQueue =
        durableReplyQueue == null
            ? channel.queueDeclare("", false, true, true, null).getQueue()
            : channel.queueDeclare(durableReplyQueue, true, false, false, null).getQueue();
    channel.basicConsume(
        replyQueue,
        true,
        (tag, d) -> {
          JsonNode body = JSON.readTree(d.getBody());
          replies
              .computeIfAbsent(body.path("id").asText(), k -> new CopyOnWriteArrayList<>())
              .add(new Reply(d.getProperties(), body));
        },
        tag -> {});
  }

  /** Declares the worker's topology and empties the job and dead-letter queues. */
  static void resetQueues() throws Exception {
    try (Connection c = ItBroker.connectionFactory().newConnection("aijobs-it-reset");
        Channel ch = c.createChannel()) {
      Topology.declareWorkerSide(ch);
      ch.queuePurge(Topology.JOBS_QUEUE);
      ch.queuePurge(Topology.DEAD_LETTER_QUEUE);
    }
  }

  /** A minimal valid job body. */
  static ObjectNode job(String id, String provider, String model, String content) {
    ObjectNode job = JSON.createObjectNode();
    job.put("v", 1).put("id", id).put("provider", provider).put("model", model);
    job.putArray("messages").addObject().put("role", "user").put("content", content);
    job.put("stream", false);
    job.put("created_ms", System.currentTimeMillis());
    job.putObject("meta").put("chat_id", 42).put("job", id);
    return job;
  }

  /** Publishes a job as the protocol says (message_id = id, reply_to = this side's queue). */
  void publish(ObjectNode job) throws IOException {
    publishRaw(
        job.path("provider").asText("x"),
        props(job.path("id").asText()).build(),
        JSON.writeValueAsBytes(job));
  }

  AMQP.BasicProperties.Builder props(String id) {
    return new AMQP.BasicProperties.Builder()
        .contentType("application/json")
        .deliveryMode(2)
        .messageId(id)
        .replyTo(replyQueue)
        .timestamp(new Date());
  }

  void publishRaw(String routingKey, AMQP.BasicProperties props, byte[] body) throws IOException {
    channel.basicPublish(Topology.JOBS_EXCHANGE, routingKey, props, body);
  }

  void publishRaw(String routingKey, AMQP.BasicProperties props, String body) throws IOException {
    publishRaw(routingKey, props, body.getBytes(StandardCharsets.UTF_8));
  }

  /** Replies received for a job id, in arrival order. */
  List<Reply> replies(String id) {
    return replies.getOrDefault(id, List.of());
  }

  /** The result of a job, or null while none has arrived. */
  JsonNode result(String id) {
    for (Reply r : replies(id)) {
      if ("result".equals(r.body().path("type").asText())) {
        return r.body();
      }
    }
    return null;
  }

  /** Results received in total (duplicates included). */
  int resultCount() {
    return replies.values().stream()
        .mapToInt(
            l ->
                (int)
                    l.stream().filter(r -> "result".equals(r.body().path("type").asText())).count())
        .sum();
  }

  /** Number of job ids that have at least one result. */
  int answeredIds() {
    return (int) replies.keySet().stream().filter(id -> result(id) != null).count();
  }

  /** Takes every message from {@code ai.jobs.dead}. */
  static List<GetResponse> drainDeadLetters() throws Exception {
    List<GetResponse> out = new ArrayList<>();
    try (Connection c = ItBroker.connectionFactory().newConnection("aijobs-it-dead");
        Channel ch = c.createChannel()) {
      GetResponse r;
      while ((r = ch.basicGet(Topology.DEAD_LETTER_QUEUE, true)) != null) {
        out.add(r);
      }
    }
    return out;
  }

  /** Messages ready in a queue. */
  static long depth(String queue) throws Exception {
    try (Connection c = ItBroker.connectionFactory().newConnection("aijobs-it-depth");
        Channel ch = c.createChannel()) {
      return ch.queueDeclarePassive(queue).getMessageCount();
    }
  }

  /** Deletes the reply queue over a fresh connection (this one may be recovering). */
  void deleteReplyQueue() throws Exception {
    try (Connection c = ItBroker.connectionFactory().newConnection("aijobs-it-cleanup");
        Channel ch = c.createChannel()) {
      ch.queueDelete(replyQueue);
    }
  }

  /** Whether this bot's connection is open (it recovers by itself after a broker-side close). */
  boolean isConnected() {
    return connection.isOpen() && channel.isOpen();
  }

  @Override
  public void close() throws IOException {
    connection.close();
  }
}
