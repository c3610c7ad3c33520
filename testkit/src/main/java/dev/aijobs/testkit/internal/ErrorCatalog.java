package dev.aijobs.testkit.internal;

import java.util.Optional;

/** OpenAI-style error types, default codes and messages per HTTP status and error code. */
final class ErrorCatalog {

  private ErrorCatalog() {}

  static String type(int status) {
    return switch (status) {
      case 400, 404, 409, 422 -> "invalid_request_error";
      case 401 -> "authentication_error";
      case 402 -> "insufficient_quota";
      case 403 -> "permission_error";
      case 408 -> "timeout_error";
      case 429 -> "rate_limit_error";
      default -> status >= 500 ? "server_error" : "api_error";
    };
  }

  static Optional<String> defaultCode(int status) {
    return switch (status) {
      case 401 -> Optional.of("invalid_api_key");
      case 402 -> Optional.of("insufficient_quota");
      case 429 -> Optional.of("rate_limit_exceeded");
      default -> Optional.empty();
    };
  }

  /** The message a simulated failure carries; recognisable codes get a provider-like text. */
  static String message(int status, Optional<String> code) {
    String suffix = " (simulated by the mock upstream)";
    return code.or(() -> defaultCode(status))
            .map(c -> knownMessage(c).orElse("simulated error '" + c + "'"))
            .orElse("simulated HTTP " + status)
        + suffix;
  }

  private static Optional<String> knownMessage(String code) {
    return switch (code) {
      case "context_length_exceeded" ->
          Optional.of(
              "This model's maximum context length is 8192 tokens. Please reduce the length of"
                  + " the messages.");
      case "content_policy_violation" ->
          Optional.of("Your request was rejected as a result of our safety system.");
      case "rate_limit_exceeded" -> Optional.of("Rate limit reached. Please try again later.");
      default -> Optional.empty();
    };
  }
}
