package dev.aijobs.worker.consume;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.aijobs.protocol.Topology;
import dev.aijobs.worker.config.ProviderConfig;
import dev.aijobs.worker.config.WorkerConfig;
import dev.aijobs.worker.route.Clock;
import dev.aijobs.worker.route.ProviderFeedback;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the worker consuming. With lanes off it consumes {@code ai.jobs} (bound to every routing
 * key); with lanes on, a lane per served provider ({@code ai.jobs.lane.<id>}, bound by the provider
 * id), each on its own channel with its own adaptive in-flight limit, plus {@code ai.jobs} to drain
 * what was queued before. Either way it unbinds the other topology's queues and drains them, so a
 * switch in either direction loses nothing. It declares the topology on a channel it keeps open
 * (the client's connection recovery declares it again after a failover) and again after a recovery;
 * each {@link Lane} resubscribes by itself when the broker ends its subscription. It is also the
 * lanes' {@link ProviderFeedback}: overload lowers a lane's limit, answers raise it, and an
 * unavailable provider pauses its lane. Liveness: {@link #consumingRecently} is false once a lane
 * has not been consuming (nor paused on purpose) for the liveness timeout while not stopping.
 */
public final class ConsumerSupervisor implements ProviderFeedback {
  private static final Logger log = LoggerFactory.getLogger(ConsumerSupervisor.class);

  /** Longest a lane pauses for one signal (a longer Retry-After is waited out in steps). */
  static final Duration MAX_PAUSE = Duration.ofSeconds(60);

  /** Gauges per lane ({@code provider} tag; {@code ai.jobs} has none). */
  public static final String LANE_LIMIT = "aijobs.lane.limit";

  public static final String LANE_IN_FLIGHT = "aijobs.lane.in.flight";
  public static final String LANE_PAUSED = "aijobs.lane.paused";

  private final Connection connection;
  private final WorkerConfig config;
  private final JobProcessor processor;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final MeterRegistry registry;
  private final long livenessNanos;
  private final List<Lane> lanes = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Map<String, Lane> byProvider = new ConcurrentHashMap<>();
  private volatile Channel topologyChannel;
  private volatile boolean stopped;

  /**
   * @param scheduler runs every subscription change (they wait for the broker: not an event-loop
   *     thread)
   */
  public ConsumerSupervisor(
      Connection connection,
      WorkerConfig config,
      JobProcessor processor,
      ScheduledExecutorService scheduler,
      Clock clock,
      MeterRegistry registry) {
    this.connection = connection;
    this.config = config;
    this.processor = processor;
    this.scheduler = scheduler;
    this.clock = clock;
    this.registry = registry;
    this.livenessNanos = config.endpoint().livenessTimeout().toNanos();
  }

  /** Declares the topology and subscribes every lane; throws when the broker refuses. */
  public void start() throws IOException {
    List<String> leftovers = declare();
    int workerMax = config.jobs().maxInFlight();
    if (config.lanes().enabled()) {
      for (String id : config.servedProviders()) {
        ProviderConfig p = config.providers().get(id);
        AdaptiveLimit limit = new AdaptiveLimit(p.laneMin(workerMax), p.laneMax(workerMax), clock);
        add(lane(Topology.laneQueue(id), id, false, 0, limit));
      }
      add(lane(Topology.JOBS_QUEUE, null, true, workerMax, null));
    } else {
      add(lane(Topology.JOBS_QUEUE, null, false, workerMax, null));
      for (String id : leftovers) {
        add(lane(Topology.laneQueue(id), null, true, workerMax, null));
      }
    }
    try {
      // On the supervisor's thread, which alone changes subscriptions.
      scheduler
          .submit(
              () -> {
                for (Lane lane : lanes) {
                  lane.start();
                }
                return null;
              })
          .get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(e.getCause());
    } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
      throw new IOException("subscribing timed out or was interrupted", e);
    }
    if (connection instanceof com.rabbitmq.client.Recoverable r) {
      r.addRecoveryListener(
          new com.rabbitmq.client.RecoveryListener() {
            @Override
            public void handleRecovery(com.rabbitmq.client.Recoverable recoverable) {
              // Another worker may have bound what this one unbinds (an older version).
              scheduler.execute(ConsumerSupervisor.this::declareQuietly);
            }

            @Override
            public void handleRecoveryStarted(com.rabbitmq.client.Recoverable recoverable) {}
          });
    }
    scheduler.scheduleWithFixedDelay(this::reconcile, 1, 1, TimeUnit.SECONDS);
    log.info(
        "consuming {}",
        lanes.stream().map(Lane::queue).collect(java.util.stream.Collectors.joining(", ")));
  }

  /** A lane of this worker's connection, processor and supervisor thread. */
  private Lane lane(
      String queue, String provider, boolean leftover, int fixedPrefetch, AdaptiveLimit limit) {
    return new Lane(
        queue,
        provider,
        leftover,
        connection,
        processor,
        scheduler,
        this::redeclare,
        clock,
        fixedPrefetch,
        limit);
  }

  private void add(Lane lane) {
    lanes.add(lane);
    if (lane.provider() != null) {
      byProvider.put(lane.provider(), lane);
      Gauge.builder(LANE_LIMIT, lane, Lane::target)
          .description("the lane's adaptive in-flight limit now (also while it is paused)")
          .tag("provider", lane.provider())
          .register(registry);
      Gauge.builder(LANE_IN_FLIGHT, lane, Lane::inFlight)
          .description("the lane's jobs held by this worker")
          .tag("provider", lane.provider())
          .register(registry);
      Gauge.builder(LANE_PAUSED, lane, l -> l.isPaused() ? 1 : 0)
          .description(
              "1 while the lane takes no deliveries (provider rate-limited or unreachable)")
          .tag("provider", lane.provider())
          .register(registry);
    }
  }

  private void reconcile() {
    for (Lane lane : lanes) {
      lane.reconcileQuietly();
    }
  }

  /**
   * Declares what this worker's mode needs and unbinds the other mode's queues.
   *
   * @return with lanes off: the providers whose lanes exist (to drain)
   */
  private synchronized List<String> declare() throws IOException {
    Channel admin = topologyChannel;
    if (admin == null || !admin.isOpen()) {
      admin = connection.createChannel();
      topologyChannel = admin;
    }
    List<String> existing = new ArrayList<>();
    if (config.lanes().enabled()) {
      Topology.declareCommon(admin);
      for (String id : config.servedProviders()) {
        Topology.declareLane(admin, id);
      }
      // Lanes are bound first, then ai.jobs stops taking jobs: none is ever unroutable.
      admin.queueUnbind(Topology.JOBS_QUEUE, Topology.JOBS_EXCHANGE, Topology.ALL_ROUTING_KEYS);
    } else {
      Topology.declareWorkerSide(admin);
      for (String id : config.providers().keySet()) {
        if (exists(Topology.laneQueue(id))) {
          admin.queueUnbind(Topology.laneQueue(id), Topology.JOBS_EXCHANGE, id);
          existing.add(id);
        }
      }
    }
    return existing;
  }

  /** Declares again before a lane resubscribes; a refusal stops the resubscription. */
  private void redeclare() throws IOException {
    declare();
  }

  private void declareQuietly() {
    try {
      declare();
    } catch (IOException | RuntimeException e) {
      log.warn(
          "declaring the topology failed: {}",
          e.getCause() != null ? e.getCause().getMessage() : e.toString());
    }
  }

  private boolean exists(String queue) throws IOException {
    Channel probe = connection.createChannel();
    try {
      probe.queueDeclarePassive(queue);
      return true;
    } catch (IOException e) {
      return false; // 404: the broker closed the probe channel
    } finally {
      if (probe.isOpen()) {
        try {
          probe.close();
        } catch (java.util.concurrent.TimeoutException | IOException e) {
          // closing anyway
        }
      }
    }
  }

  @Override
  public void answered(String provider) {
    Lane lane = byProvider.get(provider);
    if (lane != null && lane.limit() != null) {
      lane.limit().onAnswered();
    }
  }

  @Override
  public void overloaded(String provider) {
    Lane lane = byProvider.get(provider);
    if (lane != null && lane.limit() != null) {
      lane.limit().onOverload();
    }
  }

  @Override
  public void unavailable(String provider, Duration forAtLeast, String why) {
    Lane lane = byProvider.get(provider);
    if (lane != null && !stopped) {
      Duration d = forAtLeast.compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : forAtLeast;
      lane.pause(d, why);
    }
  }

  /** Whether every lane is consuming, or paused on purpose (readiness). */
  public boolean isConsuming() {
    for (Lane lane : lanes) {
      if (!lane.isHealthy()) {
        return false;
      }
    }
    return !lanes.isEmpty();
  }

  /**
   * Liveness: true while stopping, or while no lane has gone without consuming (nor being paused on
   * purpose) for the liveness timeout.
   */
  public boolean consumingRecently() {
    if (stopped) {
      return true;
    }
    for (Lane lane : lanes) {
      if (lane.unhealthyNanos() >= livenessNanos) {
        return false;
      }
    }
    return true;
  }

  /** Stops consuming for good (the worker drains); jobs already taken go on. */
  public void stop() throws Exception {
    stopped = true;
    // On the supervisor's thread, which alone changes subscriptions.
    scheduler
        .submit(
            () -> {
              for (Lane lane : lanes) {
                lane.stop();
              }
            })
        .get(10, TimeUnit.SECONDS);
  }
}
