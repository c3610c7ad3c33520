package dev.aijobs.protocol;

/**
 * A job that cannot be processed as published: undecodable, wrong version or an invalid field. The
 * caller rejects it to the dead-letter queue (worker) or refuses to publish it (SDK).
 */
public final class InvalidJobException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String field;

  private InvalidJobException(String field, String message, Throwable cause) {
    super(message, cause);
    this.field = field;
  }

  /** A field is missing or has a bad value; the message names it. */
  public static InvalidJobException badField(String field, String problem) {
    return new InvalidJobException(field, "field '" + field + "' " + problem, null);
  }

  /** The body is not a JSON object. */
  public static InvalidJobException notJson(Throwable cause) {
    String detail = cause.getMessage() == null ? "" : cause.getMessage().split("\n", 2)[0];
    return notJson(detail, cause);
  }

  /** The body is not a JSON object, for a reason described by {@code detail}. */
  static InvalidJobException notJson(String detail, Throwable cause) {
    return new InvalidJobException(null, "body is not valid JSON: " + detail, cause);
  }

  /** Something about the message as a whole (size, properties). */
  public static InvalidJobException message(String problem) {
    return new InvalidJobException(null, problem, null);
  }

  /** The offending field, or null when the problem is not about one field. */
  public String field() {
    return field;
  }
}
