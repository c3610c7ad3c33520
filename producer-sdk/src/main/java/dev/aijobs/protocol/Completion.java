package dev.aijobs.protocol;

/**
 * A successful answer.
 *
 * @param content the full assistant message text
 * @param finishReason the provider's finish reason, e.g. {@code stop} or {@code length}
 * @param provider the provider that answered
 * @param model the model that answered (as requested from that provider)
 * @param usage token usage, or null
 */
public record Completion(
    String content, String finishReason, String provider, String model, Usage usage) {

  /** Never prints the content. */
  @Override
  public String toString() {
    return "Completion[provider="
        + provider
        + ", model="
        + model
        + ", finishReason="
        + finishReason
        + ", chars="
        + (content == null ? 0 : content.length())
        + "]";
  }
}
