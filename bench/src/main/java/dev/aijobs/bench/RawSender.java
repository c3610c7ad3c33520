package dev.aijobs.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.aijobs.protocol.JobCodec;
import dev.aijobs.protocol.JobRequest;
import dev.aijobs.protocol.Topology;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A minimal producer written against the wire contract with the plain RabbitMQ client: publishes
 * jobs and matches replies by correlation id. Used to compare against the SDK and where a
 * contract-only driver is wanted.
 */
final class RawSender implements JobSender {
  private static final byte[] OK = "\"status\":\"ok\"".getBytes(StandardCharsets.UTF_8);

  private final Connection connection;
  private final Channel publish;
  private final String replyQueue;
  private final JobCodec codec = new JobCodec();
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();

  private static final class Pending {
    final long sent = System.nanoTime();
    final CompletableFuture<Outcome> done = new CompletableFuture<>();
    volatile long firstChunk = -1;
    volatile int chunks;
  }

  RawSender(String uri) throws Exception {
    ConnectionFactory cf = new ConnectionFactory();
    cf.setUri(uri);
    connection = cf.newConnection("aijobs-bench-raw");
    publish = connection.createChannel();
    Topology.declareProducerSide(publish);
    Channel consume = connection.createChannel();
    replyQueue = consume.queueDeclare("", false, true, true, null).getQueue();
    consume.basicConsume(
        replyQueue,
        true,
        new DefaultConsumer(consume) {
          @Override
          public void handleDelivery(
              String tag, Envelope env, AMQP.BasicProperties props, byte[] body) {
            onReply(props, body);
          }
        });
  }

  private void onReply(AMQP.BasicProperties props, byte[] body) {
    String id = props.getCorrelationId();
    if (Topology.TYPE_CHUNK.equals(props.getType())) {
      Pending p = pending.get(id);
      if (p != null) {
        if (p.firstChunk < 0) {
          p.firstChunk = System.nanoTime();
        }
        p.chunks++;
      }
      return;
    }
    Pending p = pending.remove(id);
    if (p != null) {
      long now = System.nanoTime();
      p.done.complete(
          new Outcome(
              contains(body, OK),
              now - p.sent,
              p.firstChunk < 0 ? -1 : p.firstChunk - p.sent,
              p.chunks));
    }
  }

  @Override
  public CompletableFuture<Outcome> send(JobRequest job) {
    Pending p = new Pending();
    pending.put(job.id(), p);
    AMQP.BasicProperties props =
        new AMQP.BasicProperties.Builder()
            .contentType(Topology.CONTENT_TYPE)
            .deliveryMode(2)
            .messageId(job.id())
            .replyTo(replyQueue)
            .build();
    try {
      byte[] body = codec.encodeRequest(job);
      synchronized (publish) {
        publish.basicPublish(Topology.JOBS_EXCHANGE, job.provider(), props, body);
      }
    } catch (Exception e) {
      pending.remove(job.id());
      p.done.completeExceptionally(e);
    }
    return p.done;
  }

  private static boolean contains(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i <= hay.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  @Override
  public void close() throws java.io.IOException {
    connection.close();
  }
}
