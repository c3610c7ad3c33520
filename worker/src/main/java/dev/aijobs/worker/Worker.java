package dev.aijobs.worker;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.aijobs.protocol.JobCodec;
import dev.aijobs.worker.amqp.BrokerConnections;
import dev.aijobs.worker.config.WorkerConfig;
import dev.aijobs.worker.consume.ConsumerSupervisor;
import dev.aijobs.worker.consume.InFlightJobs;
import dev.aijobs.worker.consume.JobProcessor;
import dev.aijobs.worker.consume.ReadGate;
import dev.aijobs.worker.execute.JobExecutor;
import dev.aijobs.worker.execute.UpstreamClient;
import dev.aijobs.worker.metrics.HttpEndpoint;
import dev.aijobs.worker.metrics.LatencySummary;
import dev.aijobs.worker.metrics.WorkerMetrics;
import dev.aijobs.worker.reply.ConfirmingPublisher;
import dev.aijobs.worker.reply.ReplySender;
import dev.aijobs.worker.route.Clock;
import dev.aijobs.worker.route.ProviderFeedback;
import dev.aijobs.worker.route.ProviderGuards;
import dev.aijobs.worker.warm.WarmUp;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.HashedWheelTimer;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running worker. {@link #start} brings it up in order (event loop → HTTP endpoint → AMQP →
 * topology → consume); {@link #close} stops it in order (stop consuming → drain in-flight jobs up
 * to the drain timeout → requeue the rest → close the HTTP client → close AMQP → shut the event
 * loop down). All worker threads are named {@code aijobs-*}.
 */
public final class Worker implements AutoCloseable {
  /** Prefix of every thread the worker starts. */
  public static final String THREAD_PREFIX = "aijobs-";

  private static final Logger log = LoggerFactory.getLogger(Worker.class);

  private final WorkerConfig config;
  private final Resources r = new Resources();

  /** Longest the start-up warm-up may take, however many jobs it was given. */
  private static final java.time.Duration WARM_UP_BUDGET = java.time.Duration.ofSeconds(30);

  private final ReadGate readGate;
  private volatile long publisherDownSince = Long.MAX_VALUE;
  private final InFlightJobs inFlight;
  private final java.util.concurrent.atomic.AtomicInteger blockedConnections =
      new java.util.concurrent.atomic.AtomicInteger();
  private volatile boolean closed;

  private Worker(WorkerConfig config) {
    this.config = config;
    this.readGate = new ReadGate(config.jobs().maxInFlightBytes());
    this.inFlight = new InFlightJobs(readGate);
  }

  /** Starts a worker; on failure everything started so far is closed again. */
  public static Worker start(WorkerConfig config) throws Exception {
    Worker w = new Worker(config);
    try {
      w.startUp();
    } catch (Exception | Error e) {
      w.shutDown();
      throw e;
    }
    return w;
  }

  @SuppressWarnings(
      "deprecation") // AsyncHttpClient rejects Netty 4.2's MultiThreadIoEventLoopGroup.
  private static EventLoopGroup newEventLoop(int threads) {
    return new io.netty.channel.nio.NioEventLoopGroup(
        threads, new DefaultThreadFactory(THREAD_PREFIX + "io", true));
  }

  /** Runs the start-up warm-up (before any broker connection: no job waits for it). */
  private void warmUp(JobCodec codec) throws InterruptedException {
    int jobs = config.upstream().warmUpJobs();
    if (jobs == 0) {
      return;
    }
    WarmUp.Outcome o =
        WarmUp.run(config, r.group, r.upstream, r.timer, r.dispatch, codec, jobs, WARM_UP_BUDGET);
    if (o.ok() == jobs) {
      log.info("warmed up: {} synthetic jobs in {} ms", o.jobs(), o.millis());
    } else {
      log.warn(
          "warm-up: {} of {} synthetic jobs answered in {} ms; starting anyway",
          o.ok(),
          jobs,
          o.millis());
    }
  }

  private void startUp() throws Exception {
    log.info(
        "starting worker: maxInFlight={}, providers={}",
        config.jobs().maxInFlight(),
        config.providers().values());
    r.group = newEventLoop(config.upstream().ioThreads());
    r.timer =
        new HashedWheelTimer(
            new DefaultThreadFactory(THREAD_PREFIX + "timer", true), 10, TimeUnit.MILLISECONDS);
    r.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    r.scrapes =
        Executors.newSingleThreadExecutor(
            new DefaultThreadFactory(THREAD_PREFIX + "metrics", true));
    new JvmMemoryMetrics().bindTo(r.registry);
    r.gc = new JvmGcMetrics();
    r.gc.bindTo(r.registry);
    new JvmThreadMetrics().bindTo(r.registry);
    new ProcessorMetrics().bindTo(r.registry);
    JobCodec codec = new JobCodec();
    r.upstream = new UpstreamClient(r.group, r.timer, codec.mapper(), upstreamTls(config));
    r.metrics = new WorkerMetrics(r.registry, inFlight::size, r.upstream::openConnections);
    r.endpoint =
        HttpEndpoint.start(
            r.group,
            config.endpoint().host(),
            config.endpoint().port(),
            r.registry::scrape,
            new HttpEndpoint.Probes(this::isLive, this::isReady),
            r.scrapes);
    log.info(
        "metrics and health on http://{}:{}/metrics", config.endpoint().host(), r.endpoint.port());

    r.dispatch =
        Executors.newFixedThreadPool(2, new DefaultThreadFactory(THREAD_PREFIX + "dispatch", true));
    warmUp(codec);
    EventLoop amqpLoop = r.group.next(); // both connections on one loop: acks never wait
    DefaultThreadFactory amqpThreads = new DefaultThreadFactory(THREAD_PREFIX + "amqp", true);
    ConnectionFactory cf = BrokerConnections.factory(config, amqpLoop, r.dispatch, amqpThreads);
    // The consume connection's reads pause while the jobs held exceed the byte budget.
    ConnectionFactory consumeCf =
        BrokerConnections.factory(config, amqpLoop, r.dispatch, amqpThreads, readGate::attach);
    r.publishConnection = BrokerConnections.open(cf, config, "aijobs-worker-publish");
    r.consumeConnection = BrokerConnections.open(consumeCf, config, "aijobs-worker-consume");
    io.micrometer.core.instrument.Gauge.builder(
            "aijobs.jobs.in.flight.bytes", inFlight, InFlightJobs::bytes)
        .description("bytes of the job bodies held")
        .baseUnit("bytes")
        .register(r.registry);
    io.micrometer.core.instrument.Gauge.builder(
            "aijobs.deliveries.paused", readGate, g -> g.isPaused() ? 1 : 0)
        .description(
            "1 while deliveries are paused: the jobs held exceed AIJOBS_MAX_IN_FLIGHT_BYTES")
        .register(r.registry);
    watchBlocked(r.publishConnection);
    watchBlocked(r.consumeConnection);
    io.micrometer.core.instrument.Gauge.builder(
            "aijobs.amqp.blocked",
            blockedConnections,
            java.util.concurrent.atomic.AtomicInteger::get)
        .description("worker connections the broker has blocked (resource alarm)")
        .register(r.registry);
    ConfirmingPublisher publisher = new ConfirmingPublisher(r.publishConnection, amqpLoop);
    r.publisher = publisher;
    io.micrometer.core.instrument.FunctionCounter.builder(
            "aijobs.publish.channel.renewals", publisher, ConfirmingPublisher::renewals)
        .description("publish channels replaced because the broker kept refusing a destination")
        .register(r.registry);
    publisher.onState(
        up -> {
          readGate.publisherDown(!up);
          publisherDownSince = up ? Long.MAX_VALUE : System.nanoTime();
        });
    ReplySender replies = new ReplySender(publisher, codec);
    ProviderGuards guards = new ProviderGuards(config, r.registry, Clock.SYSTEM);
    ForwardingFeedback feedback = new ForwardingFeedback();
    JobExecutor executor =
        new JobExecutor(
            config, r.upstream, guards, r.timer, Clock.SYSTEM, r.dispatch, r.metrics, feedback);
    JobProcessor processor =
        new JobProcessor(
            config, codec, executor, replies, r.metrics, inFlight, r.timer, r.dispatch);
    r.supervision =
        Executors.newSingleThreadScheduledExecutor(
            new DefaultThreadFactory(THREAD_PREFIX + "supervisor", true));
    r.consumer =
        new ConsumerSupervisor(
            r.consumeConnection, config, processor, r.supervision, Clock.SYSTEM, r.registry);
    feedback.to(r.consumer);
    r.consumer.start();
    r.supervision.scheduleWithFixedDelay(readGate::keepAlive, 5, 5, TimeUnit.SECONDS);
    if (!config.endpoint().summaryInterval().isZero()) {
      r.summary =
          Executors.newSingleThreadScheduledExecutor(
              new DefaultThreadFactory(THREAD_PREFIX + "summary", true));
      long every = config.endpoint().summaryInterval().toMillis();
      r.summary.scheduleAtFixedRate(
          new LatencySummary(r.registry), every, every, TimeUnit.MILLISECONDS);
    }
    log.info("worker ready");
  }

  private static io.netty.handler.ssl.SslContext upstreamTls(WorkerConfig config) {
    return config.upstream().trustStore() == null
        ? null
        : dev.aijobs.worker.config.TrustStores.clientContext(
            dev.aijobs.worker.config.ConfigKeys.UPSTREAM_TLS_TRUST_STORE,
            config.upstream().trustStore());
  }

  /**
   * Whether the worker is worth keeping: it consumes, or stops, or has not been consuming for less
   * than the liveness timeout.
   */
  public boolean isLive() {
    long down = publisherDownSince;
    boolean publisherStuck =
        down != Long.MAX_VALUE
            && System.nanoTime() - down > config.endpoint().livenessTimeout().toNanos();
    return closed || r.consumer == null || (r.consumer.consumingRecently() && !publisherStuck);
  }

  /** Whether the worker is consuming jobs. */
  public boolean isReady() {
    return !closed
        && blockedConnections.get() == 0
        && r.consumer != null
        && r.consumer.isConsuming()
        && r.publisher != null
        && r.publisher.isOpen();
  }

  /**
   * Logs and counts {@code connection.blocked}: the broker stops reading from a connection during a
   * resource alarm (memory or disk), so results wait; readiness is 503 meanwhile.
   */
  private void watchBlocked(Connection c) {
    c.addBlockedListener(
        reason -> {
          blockedConnections.incrementAndGet();
          log.warn("the broker blocked connection {}: {}", c.getClientProvidedName(), reason);
        },
        () -> {
          blockedConnections.decrementAndGet();
          log.info("the broker unblocked connection {}", c.getClientProvidedName());
        });
  }

  /** The bound port of the metrics/health endpoint. */
  public int httpPort() {
    return r.endpoint.port();
  }

  /** Jobs being processed. */
  public int inFlight() {
    return inFlight.size();
  }

  /** Open connections of the HTTP client (pooled ones included). */
  public long openHttpConnections() {
    return r.upstream.openConnections();
  }

  /** The worker's meter registry. */
  public PrometheusMeterRegistry registry() {
    return r.registry;
  }

  /** Graceful stop; see the class description. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    shutDown();
  }

  private void shutDown() {
    log.info("stopping worker: {} jobs in flight", inFlight.size());
    if (r.consumer != null) {
      quietly("cancel consumer", r.consumer::stop);
    }
    quietly(
        "drain",
        () -> {
          int requeued = inFlight.drain(config.jobs().drainTimeout());
          log.info("drained; {} jobs requeued for other workers", requeued);
        });
    if (r.summary != null) {
      r.summary.shutdownNow();
    }
    if (r.supervision != null) {
      r.supervision.shutdownNow();
    }
    if (r.upstream != null) {
      quietly("close HTTP client", r.upstream::close);
    }
    if (r.consumeConnection != null) {
      quietly("close AMQP consume connection", () -> r.consumeConnection.close(5000));
    }
    if (r.publishConnection != null) {
      quietly("close AMQP publish connection", () -> r.publishConnection.close(5000));
    }
    if (r.publisher != null) {
      r.publisher.close();
    }
    if (r.endpoint != null) {
      quietly("close HTTP endpoint", r.endpoint::close);
    }
    if (r.scrapes != null) {
      r.scrapes.shutdownNow();
    }
    if (r.dispatch != null) {
      r.dispatch.shutdown();
      quietly("stop dispatch", () -> r.dispatch.awaitTermination(5, TimeUnit.SECONDS));
    }
    if (r.group != null) {
      quietly(
          "shut down event loop", () -> r.group.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync());
    }
    if (r.timer != null) {
      r.timer.stop();
    }
    if (r.gc != null) {
      r.gc.close();
    }
    log.info("worker stopped");
  }

  private static void quietly(String what, ThrowingRunnable step) {
    try {
      step.run();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      log.warn("{} interrupted", what);
    } catch (Exception e) {
      log.warn("{} failed: {}", what, e.toString());
    }
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  /** What the worker owns, in start order. */
  private static final class Resources {
    EventLoopGroup group;
    HashedWheelTimer timer;
    PrometheusMeterRegistry registry;
    JvmGcMetrics gc;
    UpstreamClient upstream;
    WorkerMetrics metrics;
    HttpEndpoint endpoint;
    ExecutorService dispatch;
    ExecutorService scrapes;
    Connection publishConnection;
    Connection consumeConnection;
    ConsumerSupervisor consumer;
    ScheduledExecutorService supervision;
    ConfirmingPublisher publisher;
    ScheduledExecutorService summary;
  }

  /** Feedback to the consumer supervisor, which is made after the executor that reports to it. */
  private static final class ForwardingFeedback implements ProviderFeedback {
    private volatile ProviderFeedback target = ProviderFeedback.NONE;

    void to(ProviderFeedback t) {
      target = t;
    }

    @Override
    public void answered(String provider) {
      target.answered(provider);
    }

    @Override
    public void overloaded(String provider) {
      target.overloaded(provider);
    }

    @Override
    public void unavailable(String provider, java.time.Duration forAtLeast, String why) {
      target.unavailable(provider, forAtLeast, why);
    }
  }
}
