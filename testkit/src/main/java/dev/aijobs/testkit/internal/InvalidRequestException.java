package dev.aijobs.testkit.internal;

/**
 * A request the mock upstream answers with HTTP 400 {@code invalid_request_error}: bad JSON, a
 * missing field or a malformed {@code mock:} directive. The message is sent to the client.
 */
public final class InvalidRequestException extends IllegalArgumentException {

  /**
   * Creates the exception.
   *
   * @param message what is wrong with the request, shown to the client
   */
  public InvalidRequestException(String message) {
    super(message);
  }
}
