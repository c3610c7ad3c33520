package dev.aijobs.sdk;

/** Where the worker's replies (chunks and results) come back to. */
public enum ReplyMode {
  /**
   * A durable, named queue of the client's ({@link ClientConfig#replyQueue()}), the default.
   * Results are persistent messages that wait in the queue while the bot is disconnected or
   * restarting; the client acknowledges a reply only after handling it. At least once: a result may
   * arrive twice (the SDK delivers it once, see {@link ClientConfig#dedupRetention()}).
   */
  DURABLE_QUEUE,

  /**
   * RabbitMQ's direct reply-to ({@code amq.rabbitmq.reply-to}): no queue to declare or delete, but
   * <b>at most once</b>. Replies are delivered only to the channel that published the job while it
   * lives; a reply for a job whose connection dropped, or that comes while the bot is down, is
   * lost. On connection loss every pending future fails with {@link PublishException.Reason#
   * CONNECTION_LOST}. Use it for throw-away RPC only.
   */
  DIRECT_REPLY_TO
}
