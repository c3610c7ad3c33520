package dev.aijobs.protocol;

/**
 * A reply (chunk or result) that does not follow the wire contract: not JSON, not v1, the wrong
 * {@code type}, a field missing or of the wrong type, a value outside its closed set, or a {@code
 * status} that disagrees with {@code completion}/{@code error}. The message names the problem, and
 * the field when there is one. A producer logs it and treats the job as failed (or waits for a
 * redelivered, valid reply); it is never the worker's answer to the job.
 */
public final class InvalidReplyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String field;

  private InvalidReplyException(String field, String message, Throwable cause) {
    super(message, cause);
    this.field = field;
  }

  /** A field is missing or has a bad value; the message names it, e.g. {@code error.code}. */
  public static InvalidReplyException badField(String field, String problem) {
    return new InvalidReplyException(field, "reply field '" + field + "' " + problem, null);
  }

  /** The body is not JSON. */
  public static InvalidReplyException notJson(String detail, Throwable cause) {
    return new InvalidReplyException(null, "reply is not valid JSON: " + detail, cause);
  }

  /** Something about the reply as a whole. */
  public static InvalidReplyException message(String problem) {
    return new InvalidReplyException(null, problem, null);
  }

  /** The offending field, or null when the problem is not about one field. */
  public String field() {
    return field;
  }
}
