package dev.aijobs.protocol;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import java.io.IOException;
import java.util.Map;

/**
 * The RabbitMQ names and arguments of the contract, and the one declarer every party uses, so that
 * worker, SDK and ops definitions agree and no declaration is refused for differing arguments.
 * Declaring is idempotent. The methods block on the broker: never call them on an event-loop
 * thread.
 */
public final class Topology {
  /** The topic exchange producers publish to; routing key = provider id. */
  public static final String JOBS_EXCHANGE = "ai.jobs";

  /** The quorum work queue every worker consumes. */
  public static final String JOBS_QUEUE = "ai.jobs";

  /** The fanout dead-letter exchange of the work queue. */
  public static final String DEAD_LETTER_EXCHANGE = "ai.jobs.dlx";

  /** Where undecodable, poison and exhausted jobs end up. */
  public static final String DEAD_LETTER_QUEUE = "ai.jobs.dead";

  /**
   * Prefix of a provider's lane: with lanes on, each provider's jobs wait in their own quorum queue
   * {@code ai.jobs.lane.<provider>}, bound to {@link #JOBS_EXCHANGE} by the provider id.
   */
  public static final String LANE_PREFIX = "ai.jobs.lane.";

  /** Binding of the work queue: every routing key. */
  public static final String ALL_ROUTING_KEYS = "#";

  /** Deliveries after which the broker dead-letters a job (poison protection). */
  public static final int DELIVERY_LIMIT = 5;

  /** Header on a dead-lettered job: why the worker rejected it. */
  public static final String HEADER_REASON = "x-aijobs-reason";

  /** Header on a dead-lettered job: the error code of the rejection. */
  public static final String HEADER_ERROR_CODE = "x-aijobs-error-code";

  /** AMQP {@code type} of a final result. */
  public static final String TYPE_RESULT = "result";

  /** AMQP {@code type} of a stream chunk. */
  public static final String TYPE_CHUNK = "chunk";

  /** AMQP content type of every message. */
  public static final String CONTENT_TYPE = "application/json";

  private Topology() {}

  /** Arguments of the {@code ai.jobs} queue, exactly as every declarer must pass them. */
  public static Map<String, Object> jobsQueueArguments() {
    return Map.of(
        "x-queue-type", "quorum",
        "x-dead-letter-exchange", DEAD_LETTER_EXCHANGE,
        "x-delivery-limit", DELIVERY_LIMIT);
  }

  /** Arguments of the {@code ai.jobs.dead} queue. */
  public static Map<String, Object> deadLetterQueueArguments() {
    return Map.of("x-queue-type", "quorum");
  }

  /** The lane queue of {@code provider}. */
  public static String laneQueue(String provider) {
    return LANE_PREFIX + provider;
  }

  /** Declares what a producer may declare: the {@code ai.jobs} exchange. */
  public static void declareProducerSide(Channel channel) throws IOException {
    channel.exchangeDeclare(JOBS_EXCHANGE, BuiltinExchangeType.TOPIC, true);
  }

  /**
   * Declares everything a single-queue worker owns: exchanges, the dead-letter queue, and {@code
   * ai.jobs} bound to every routing key.
   */
  public static void declareWorkerSide(Channel channel) throws IOException {
    declareCommon(channel);
    channel.queueBind(JOBS_QUEUE, JOBS_EXCHANGE, ALL_ROUTING_KEYS);
  }

  /**
   * Declares the exchanges, the dead-letter queue and the {@code ai.jobs} queue (without binding
   * it): what both single-queue and lane workers need.
   */
  public static void declareCommon(Channel channel) throws IOException {
    declareProducerSide(channel);
    channel.exchangeDeclare(DEAD_LETTER_EXCHANGE, BuiltinExchangeType.FANOUT, true);
    channel.queueDeclare(DEAD_LETTER_QUEUE, true, false, false, deadLetterQueueArguments());
    channel.queueBind(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, "");
    channel.queueDeclare(JOBS_QUEUE, true, false, false, jobsQueueArguments());
  }

  /**
   * Declares {@code provider}'s lane (same arguments as {@code ai.jobs}) and binds it to the jobs
   * exchange by the provider id.
   */
  public static void declareLane(Channel channel, String provider) throws IOException {
    String lane = laneQueue(provider);
    channel.queueDeclare(lane, true, false, false, jobsQueueArguments());
    channel.queueBind(lane, JOBS_EXCHANGE, provider);
  }
}
