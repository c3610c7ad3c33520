package dev.aijobs.worker.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.LongString;
import dev.aijobs.protocol.Topology;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One message of {@code ai.jobs.dead} as fetched, with what an operator needs to judge it: job id,
 * why it is here (the worker's {@code x-aijobs-*} headers, or the broker's {@code x-death}) and the
 * routing key it was published with.
 */
record DeadLetter(
    long deliveryTag,
    String id,
    String errorCode,
    String reason,
    String routingKey,
    AMQP.BasicProperties properties,
    byte[] body) {

  private static final ObjectMapper JSON = new ObjectMapper();

  static DeadLetter of(GetResponse response) {
    AMQP.BasicProperties props = response.getProps();
    Map<String, Object> headers = props.getHeaders() == null ? Map.of() : props.getHeaders();
    String code = text(headers.get(Topology.HEADER_ERROR_CODE));
    String reason = text(headers.get(Topology.HEADER_REASON));
    if (reason == null) {
      reason = brokerReason(headers.get("x-death"));
    }
    return new DeadLetter(
        response.getEnvelope().getDeliveryTag(),
        jobId(props, response.getBody()),
        code,
        reason,
        response.getEnvelope().getRoutingKey(),
        props,
        response.getBody());
  }

  /**
   * The properties to publish the job again with: the original ones minus the headers that dead
   * lettering added ({@code x-aijobs-*}, {@code x-death}, {@code x-first-death-*}, {@code
   * x-last-death-*}) and the quorum queue's {@code x-delivery-count}, so the replayed job starts
   * with a clean delivery count.
   */
  AMQP.BasicProperties replayProperties() {
    Map<String, Object> headers = new HashMap<>();
    if (properties.getHeaders() != null) {
      properties.getHeaders().entrySet().stream()
          .filter(e -> !addedByDeadLettering(e.getKey()))
          .forEach(e -> headers.put(e.getKey(), e.getValue()));
    }
    return properties.builder().headers(headers.isEmpty() ? null : headers).build();
  }

  /** Never prints the body: it may hold a user's prompt. */
  @Override
  public String toString() {
    return "DeadLetter[id=" + id + ", code=" + errorCode + ", routingKey=" + routingKey + "]";
  }

  static boolean addedByDeadLettering(String header) {
    return header.startsWith("x-aijobs-")
        || header.equals("x-death")
        || header.startsWith("x-first-death-")
        || header.startsWith("x-last-death-")
        || header.equals("x-delivery-count");
  }

  private static String jobId(AMQP.BasicProperties props, byte[] body) {
    if (props.getMessageId() != null) {
      return props.getMessageId();
    }
    try {
      JsonNode id = JSON.readTree(body).get("id");
      return id != null && id.isTextual() ? id.asText() : null;
    } catch (Exception e) {
      return null; // undecodable bodies are a normal sight here
    }
  }

  /** "delivery_limit from ai.jobs (5 times)" from the first x-death entry. */
  private static String brokerReason(Object xDeath) {
    if (!(xDeath instanceof List<?> deaths) || deaths.isEmpty()) {
      return null;
    }
    if (!(deaths.get(0) instanceof Map<?, ?> death)) {
      return null;
    }
    String why = text(death.get("reason"));
    String queue = text(death.get("queue"));
    Object count = death.get("count");
    return "broker: "
        + (why == null ? "dead-lettered" : why)
        + (queue == null ? "" : " from " + queue)
        + (count == null ? "" : " (count " + count + ")");
  }

  private static String text(Object value) {
    if (value == null) {
      return null;
    }
    return value instanceof LongString || value instanceof String ? value.toString() : null;
  }
}
