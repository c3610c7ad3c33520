package dev.aijobs.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.aijobs.protocol.Completion;
import dev.aijobs.protocol.JobCodec;
import dev.aijobs.protocol.JobRequest;
import dev.aijobs.protocol.JobResult;
import dev.aijobs.protocol.Route;
import dev.aijobs.protocol.Timing;
import dev.aijobs.protocol.Topology;
import dev.aijobs.worker.amqp.BrokerConnections;
import dev.aijobs.worker.config.WorkerConfig;
import dev.aijobs.worker.reply.ConfirmingPublisher;
import dev.aijobs.worker.reply.ReplySender;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The broker-bound reference: consume a job, decode it, publish a canned result with confirms, ack
 * after the confirm — the worker's AMQP path (same connections, publisher and codec) with no HTTP.
 * The reply waits {@code AIJOBS_NULL_LATENCY_MS} (the scenario's upstream latency, simulated on the
 * event loop), so the broker holds as many unacknowledged jobs as with a real upstream. Reads
 * {@code AIJOBS_AMQP_URI} and {@code AIJOBS_MAX_IN_FLIGHT}; runs until SIGTERM.
 */
public final class NullWorker {
  private NullWorker() {}

  @SuppressWarnings("deprecation") // the worker's event-loop type, for a like-for-like comparison
  public static void main(String[] args) throws Exception {
    WorkerConfig config =
        WorkerConfig.defaults()
            .withAmqp(
                new WorkerConfig.Amqp(
                    env("AIJOBS_AMQP_URI", WorkerConfig.Amqp.DEFAULTS.uri()), List.of(), null))
            .withJobs(
                WorkerConfig.Jobs.DEFAULTS.withMaxInFlight(
                    Integer.parseInt(env("AIJOBS_MAX_IN_FLIGHT", "5000"))));
    EventLoopGroup group =
        new io.netty.channel.nio.NioEventLoopGroup(2, new DefaultThreadFactory("null-io", true));
    ExecutorService dispatch =
        Executors.newFixedThreadPool(2, new DefaultThreadFactory("null-dispatch", true));
    EventLoop loop = group.next();
    ConnectionFactory cf =
        BrokerConnections.factory(config, loop, dispatch, new DefaultThreadFactory("null-amqp"));
    Connection pub = BrokerConnections.open(cf, config, "null-worker-publish");
    Connection con = BrokerConnections.open(cf, config, "null-worker-consume");
    JobCodec codec = new JobCodec();
    long latencyMs = Long.parseLong(env("AIJOBS_NULL_LATENCY_MS", "0"));
    try (Channel admin = con.createChannel()) {
      Topology.declareWorkerSide(admin);
    }
    ReplySender replies = new ReplySender(new ConfirmingPublisher(pub, loop), codec);
    Channel ch = con.createChannel();
    ch.basicQos(config.jobs().maxInFlight(), false);
    ch.basicConsume(
        Topology.JOBS_QUEUE,
        false,
        new DefaultConsumer(ch) {
          @Override
          public void handleDelivery(
              String tag, Envelope env, AMQP.BasicProperties props, byte[] body) {
            if (latencyMs <= 0) {
              answer(props, env, body);
            } else {
              loop.schedule(() -> answer(props, env, body), latencyMs, TimeUnit.MILLISECONDS);
            }
          }

          private void answer(AMQP.BasicProperties props, Envelope env, byte[] body) {
            long start = System.nanoTime();
            JobRequest job = codec.decodeRequest(body);
            JobResult result =
                JobResult.ok(
                    job.id(),
                    new Completion("null", "stop", job.provider(), job.model(), null),
                    Route.DIRECT,
                    List.of(),
                    new Timing(null, null, null, (System.nanoTime() - start) / 1_000_000),
                    job.meta());
            String corr = props.getCorrelationId() != null ? props.getCorrelationId() : job.id();
            replies
                .result(props.getReplyTo(), corr, result)
                .whenComplete(
                    (v, e) -> {
                      try {
                        if (e == null) {
                          ch.basicAck(env.getDeliveryTag(), false);
                        } else {
                          ch.basicNack(env.getDeliveryTag(), false, true);
                        }
                      } catch (IOException io) {
                        // channel gone: the broker redelivers
                      }
                    });
          }
        });
    System.out.println("null worker ready");
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    con.close();
                    pub.close();
                  } catch (Exception ignored) {
                    // exiting anyway
                  }
                  dispatch.shutdown();
                  group.shutdownGracefully();
                  stop.countDown();
                }));
    stop.await();
  }

  private static String env(String key, String def) {
    String v = System.getenv(key);
    return v == null || v.isBlank() ? def : v;
  }
}
