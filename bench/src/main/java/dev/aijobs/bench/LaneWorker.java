package dev.aijobs.bench;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.aijobs.protocol.JobRequest;
import dev.aijobs.protocol.Topology;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;

/**
 * The real worker for the two-provider scenarios (f, g), with or without lanes: started as {@link
 * BenchMain} starts it (its launcher with {@code --worker-launcher}), its {@code /metrics} on a
 * free loopback port, read by {@link #metrics()}. The queues of the scenario's providers are reset
 * before and removed after, so runs do not see each other's jobs or topology.
 */
final class LaneWorker implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final ManagedProcess process;
  private final int httpPort;
  private final String uri;
  private final List<String> providers;

  private LaneWorker(ManagedProcess process, int httpPort, String uri, List<String> providers) {
    this.process = process;
    this.httpPort = httpPort;
    this.uri = uri;
    this.providers = providers;
  }

  /**
   * Resets the providers' queues, starts the worker with {@code providerEnv} added to the common
   * settings and waits until it is ready (every queue it serves has its consumers).
   */
  static LaneWorker start(
      BenchMain.Options o,
      boolean lanes,
      List<String> providers,
      Map<String, String> providerEnv,
      String logName)
      throws Exception {
    resetQueues(o.uri, providers);
    int port = freePort();
    Map<String, String> env = new HashMap<>(providerEnv);
    env.put("AIJOBS_AMQP_URI", o.uri);
    env.put("AIJOBS_LANES", Boolean.toString(lanes));
    env.put("AIJOBS_HTTP_HOST", "127.0.0.1");
    env.put("AIJOBS_HTTP_PORT", Integer.toString(port));
    env.put("AIJOBS_SUMMARY_INTERVAL", "0s");
    ManagedProcess p = BenchMain.startWorker(o, env, o.outDir.resolve(logName));
    LaneWorker w = new LaneWorker(p, port, o.uri, providers);
    try {
      w.awaitReady();
    } catch (Exception e) {
      w.close();
      throw e;
    }
    return w;
  }

  ManagedProcess process() {
    return process;
  }

  /** The worker's {@code /metrics} text, or "" when it does not answer within 2 s. */
  String metrics() {
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? r.body() : "";
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  private void awaitReady() throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    URI ready = URI.create("http://127.0.0.1:" + httpPort + "/health/ready");
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(process + " exited; see its log");
      }
      try {
        int status =
            HTTP.send(
                    HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode();
        if (status == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      if (System.nanoTime() > end) {
        throw new IllegalStateException(process + " not ready after 60 s; see its log");
      }
      Thread.sleep(100);
    }
  }

  /**
   * A queue as the broker sees it.
   *
   * @param waiting jobs ready (not delivered), -1 when unknown
   * @param consumers consumers subscribed, -1 when unknown
   */
  record QueueState(long waiting, long consumers) {}

  /** The state of {@code queue} (each call on a channel of its own, which a 404 would close). */
  static QueueState queue(Connection c, String queue) {
    try (Channel ch = c.createChannel()) {
      com.rabbitmq.client.AMQP.Queue.DeclareOk ok = ch.queueDeclarePassive(queue);
      return new QueueState(ok.getMessageCount(), ok.getConsumerCount());
    } catch (Exception e) {
      return new QueueState(-1, -1);
    }
  }

  /**
   * A clean single-queue topology: {@code ai.jobs} declared, bound to every routing key and purged;
   * the lanes of {@code providers} deleted (a lane run leaves them, and a single-queue worker would
   * drain what they hold).
   */
  static void resetQueues(String uri, List<String> providers) throws Exception {
    ConnectionFactory cf = new ConnectionFactory();
    cf.setUri(uri);
    try (Connection c = cf.newConnection("aijobs-bench-reset")) {
      try (Channel ch = c.createChannel()) {
        Topology.declareWorkerSide(ch);
        ch.queuePurge(Topology.JOBS_QUEUE);
      }
      for (String id : providers) {
        try (Channel ch = c.createChannel()) {
          ch.queueDelete(Topology.laneQueue(id));
        } catch (IOException e) {
          // not there
        }
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /**
   * Warms the worker up with {@code total} jobs, {@code batch} at a time, each batch awaited: fails
   * rather than waits when they are not answered (e.g. the broker is in a resource alarm).
   */
  static void warmUp(SdkSender sender, IntFunction<JobRequest> jobs, int total, int batch)
      throws Exception {
    System.err.println("  warming up with " + total + " jobs");
    int ok = 0;
    for (int from = 0; from < total; from += batch) {
      List<CompletableFuture<Boolean>> round = new ArrayList<>();
      for (int i = from; i < Math.min(total, from + batch); i++) {
        round.add(sender.submit(jobs.apply(i)).handle((r, e) -> e == null && r.isOk()));
      }
      try {
        CompletableFuture.allOf(round.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        throw new IllegalStateException(
            "warm-up jobs not answered within 60 s; see the worker log");
      }
      for (CompletableFuture<Boolean> f : round) {
        ok += f.join() ? 1 : 0;
      }
    }
    if (ok < total) {
      throw new IllegalStateException(
          (total - ok)
              + " of "
              + total
              + " warm-up jobs not answered ok (a broker resource alarm? see the log above)");
    }
  }

  /** Whether the worker reports a connection blocked by a broker resource alarm now. */
  static boolean brokerBlocked(String metrics) {
    return Metrics.value(metrics, "aijobs_amqp_blocked").orElse(0) > 0;
  }

  /** Stops the worker (SIGTERM, drain) and leaves the single-queue topology as it was. */
  @Override
  public void close() {
    process.close();
    try {
      resetQueues(uri, providers);
    } catch (Exception e) {
      System.err.println("  resetting the queues after the run failed: " + e);
    }
  }

  @Override
  public String toString() {
    return process + " /metrics on 127.0.0.1:" + httpPort;
  }

  /** The worker's peak RSS in MB, or -1. */
  long peakRssMb() {
    long b = process.peakRssBytes();
    return b < 0 ? -1 : b / (1024 * 1024);
  }
}
