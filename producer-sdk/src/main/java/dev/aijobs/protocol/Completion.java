package dev.aijobs.protocol;

import java.util.Objects;

/**
 * A successful answer.
 *
 * @param content the full assistant message text; required, may be empty
 * @param finishReason the provider's finish reason, e.g. {@code stop} or {@code length}, or null
 * @param provider the provider that answered; required
 * @param model the model that answered (as requested from that provider); required
 * @param usage token usage, or null
 */
public record Completion(
    String content, String finishReason, String provider, String model, Usage usage) {

  public Completion {
    Objects.requireNonNull(content, "content");
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(model, "model");
  }

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
        + content.length()
        + "]";
  }
}
