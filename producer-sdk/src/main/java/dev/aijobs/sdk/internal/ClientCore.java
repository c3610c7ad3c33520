package dev.aijobs.sdk.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.aijobs.protocol.JobCodec;
import dev.aijobs.protocol.JobRequest;
import dev.aijobs.protocol.JobResult;
import dev.aijobs.protocol.Topology;
import dev.aijobs.sdk.ChunkListener;
import dev.aijobs.sdk.ClientClosedException;
import dev.aijobs.sdk.ClientConfig;
import dev.aijobs.sdk.PublishException;
import dev.aijobs.sdk.ReplyMode;
import java.io.IOException;
import java.time.Duration;
import java.util.Date;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What {@link dev.aijobs.sdk.AiJobsClient} delegates to: wiring, submit paths and close. */
public final class ClientCore {
  private static final Logger LOG = LoggerFactory.getLogger(ClientCore.class);

  /** The pseudo-queue of RabbitMQ's direct reply-to. */
  static final String DIRECT_REPLY_TO = "amq.rabbitmq.reply-to";

  /** Chunks buffered per stream while waiting for a missing one. */
  static final int MAX_BUFFERED_CHUNKS = 1024;

  private final ClientConfig config;
  private final SdkThreads threads;
  private final JobCodec codec = new JobCodec();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final InFlightWindow window;
  private final RecentIds recent;
  private final ClientMetrics metrics;
  private final PendingJobs pending;
  private final String replyTo;
  private Connection consumeConnection;
  private Connection publishConnection;
  private JobPublisher publisher;

  private ClientCore(ClientConfig config) {
    this.config = config;
    this.threads = new SdkThreads(config.connectionName());
    this.window = new InFlightWindow(config.maxInFlight());
    this.recent = new RecentIds(config.dedupCapacity(), config.dedupRetention(), System::nanoTime);
    this.metrics =
        ClientMetrics.create(
            config.meterRegistry().orElse(null), config.connectionName(), window::inFlight);
    this.pending = new PendingJobs(window, recent, metrics, threads.dispatch(), threads.timer());
    this.replyTo =
        config.replyMode() == ReplyMode.DURABLE_QUEUE ? config.replyQueue() : DIRECT_REPLY_TO;
  }

  /** Connects, declares the exchange and reply queue, and starts consuming replies. */
  public static ClientCore start(ClientConfig config) throws IOException, TimeoutException {
    ClientCore core = new ClientCore(config);
    try {
      core.connect();
      return core;
    } catch (IOException | TimeoutException | RuntimeException e) {
      core.close();
      throw e;
    }
  }

  private void connect() throws IOException, TimeoutException {
    Connections connections = new Connections(config, threads);
    ReplyConsumer replies =
        new ReplyConsumer(
            codec, pending, recent, config.unclaimedResultHandler(), metrics, closed::get);
    String name = config.connectionName();
    if (config.replyMode() == ReplyMode.DURABLE_QUEUE) {
      consumeConnection = connections.open(name + "-consume");
      Channel consume = consumeConnection.createChannel();
      consume.queueDeclare(config.replyQueue(), true, false, false, null);
      consume.basicQos(config.replyPrefetch());
      consume.basicConsume(
          config.replyQueue(),
          false,
          (tag, d) -> replies.handle(consume, d, false),
          tag -> LOG.warn("reply queue {} cancelled the consumer (deleted?)", config.replyQueue()));
      publishConnection = connections.open(name + "-publish");
      Channel publish = openPublishChannel(publishConnection);
      Connection opened = publishConnection;
      publisher =
          new JobPublisher(
              publishConnection,
              publish,
              () -> openPublishChannel(opened),
              config.exchange(),
              pending,
              false,
              "aijobs-sdk-" + name + "-publisher");
    } else {
      // Direct reply-to: replies come only to the channel that published, consuming (auto-ack)
      // before the first publish.
      publishConnection = connections.open(name);
      Channel channel = publishConnection.createChannel();
      channel.basicConsume(
          DIRECT_REPLY_TO, true, (tag, d) -> replies.handle(channel, d, true), tag -> {});
      declareExchange(channel);
      channel.confirmSelect();
      // Never replaced: direct reply-to results come only to the channel that published.
      publisher =
          new JobPublisher(
              publishConnection,
              channel,
              null,
              config.exchange(),
              pending,
              true,
              "aijobs-sdk-" + name + "-publisher");
    }
  }

  private Channel openPublishChannel(Connection connection) throws IOException {
    Channel channel = connection.createChannel();
    declareExchange(channel);
    channel.confirmSelect();
    return channel;
  }

  private void declareExchange(Channel channel) throws IOException {
    if (Topology.JOBS_EXCHANGE.equals(config.exchange())) {
      Topology.declareProducerSide(channel);
    } else {
      channel.exchangeDeclare(config.exchange(), BuiltinExchangeType.TOPIC, true);
    }
  }

  /**
   * Accepts a job whose future completes with its result ({@code listener} may be null) or, with
   * {@code kind} {@code publish}, with the broker's confirm. Never throws: every failure is a
   * failed future.
   */
  public CompletableFuture<JobResult> accept(
      JobRequest job, ChunkListener listener, String kind, String jobReplyTo) {
    try {
      Objects.requireNonNull(job, "job");
      if (closed.get()) {
        return CompletableFuture.failedFuture(ClientClosedException.rejected(job.id()));
      }
      PublishException refusal = publisher.refusal(job.id());
      if (refusal != null) {
        metrics.failed(refusal.reason().name().toLowerCase(java.util.Locale.ROOT));
        return CompletableFuture.failedFuture(refusal);
      }
      long nowMs = System.currentTimeMillis();
      JobRequest prepared = prepare(job, nowMs, listener != null);
      Duration timeout =
          Duration.ofMillis(Math.max(0, prepared.deadlineMs() - nowMs))
              .plus(config.deadlineGrace());
      PendingJob pendingJob =
          new PendingJob(
              job.id(),
              "publish".equals(kind) ? PendingJob.Kind.CONFIRM : PendingJob.Kind.RESULT,
              job.provider(),
              properties(prepared, jobReplyTo == null ? replyTo : jobReplyTo),
              codec.encodeRequest(prepared),
              listener == null ? null : new ChunkSequencer(listener, MAX_BUFFERED_CHUNKS),
              timeout,
              System.nanoTime());
      PublishException rejected = pending.accept(pendingJob);
      if (rejected != null) {
        return CompletableFuture.failedFuture(rejected);
      }
      metrics.accepted(kind);
      publisher.enqueue(pendingJob);
      if (closed.get()) {
        pending.fail(pendingJob, ClientClosedException.pending(job.id()), "closed");
      }
      return pendingJob.future();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Sets what the SDK fills in: created_ms, deadline_ms (default timeout) and stream. */
  JobRequest prepare(JobRequest job, long nowMs, boolean stream) {
    Long created = job.createdMs() != null ? job.createdMs() : nowMs;
    Long deadline =
        job.deadlineMs() != null ? job.deadlineMs() : nowMs + config.defaultTimeout().toMillis();
    boolean wantStream = job.stream() || stream;
    if (created.equals(job.createdMs())
        && deadline.equals(job.deadlineMs())
        && wantStream == job.stream()) {
      return job;
    }
    return new JobRequest(
        job.v(),
        job.id(),
        job.provider(),
        job.model(),
        job.fallbacks(),
        job.messages(),
        job.params(),
        wantStream,
        created,
        deadline,
        job.meta());
  }

  private static AMQP.BasicProperties properties(JobRequest job, String replyTo) {
    return new AMQP.BasicProperties.Builder()
        .contentType(Topology.CONTENT_TYPE)
        .deliveryMode(2)
        .messageId(job.id())
        .correlationId(job.id())
        .replyTo(replyTo)
        .timestamp(new Date(job.createdMs()))
        .build();
  }

  public int inFlight() {
    return pending.inFlight();
  }

  public boolean isBlocked() {
    return publisher != null && publisher.isBlocked();
  }

  public boolean isConnected() {
    return publisher != null
        && publisher.isConnected()
        && (consumeConnection == null || consumeConnection.isOpen());
  }

  public boolean isClosed() {
    return closed.get();
  }

  /**
   * Stops accepting jobs and handling replies, closes the connections (unacknowledged replies go
   * back to the durable queue), fails every job still in flight with {@link ClientClosedException}
   * and stops the client's threads. Idempotent.
   */
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Duration timeout = config.closeTimeout();
    if (publisher != null) {
      publisher.stop(timeout);
    }
    int millis = Math.toIntExact(timeout.toMillis());
    Connections.close(consumeConnection, millis);
    Connections.close(publishConnection, millis);
    for (PendingJob job : pending.all()) {
      pending.fail(job, ClientClosedException.pending(job.id()), "closed");
    }
    threads.shutdown(timeout);
  }
}
