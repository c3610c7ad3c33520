package dev.aijobs.worker.reply;

import java.io.IOException;

/** The broker returned a mandatory message: no queue is bound to where it was published. */
public final class UnroutableException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String exchange;
  private final String routingKey;

  UnroutableException(String exchange, String routingKey, String replyText) {
    super(
        "no queue for routing key '"
            + routingKey
            + "'"
            + (exchange.isEmpty() ? "" : " on exchange '" + exchange + "'")
            + " ("
            + replyText
            + ")");
    this.exchange = exchange;
    this.routingKey = routingKey;
  }

  /** The exchange it was published to ({@code ""}: the default exchange, i.e. a queue name). */
  public String exchange() {
    return exchange;
  }

  /** The routing key: for the default exchange, the queue that does not exist. */
  public String routingKey() {
    return routingKey;
  }
}
