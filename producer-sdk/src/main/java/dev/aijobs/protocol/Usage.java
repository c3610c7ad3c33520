package dev.aijobs.protocol;

import java.math.BigDecimal;

/**
 * Token usage and cost as reported by the provider; any field may be null when the provider did not
 * say.
 *
 * @param promptTokens tokens in the prompt
 * @param completionTokens tokens in the answer
 * @param totalTokens both together
 * @param cachedTokens prompt tokens served from the provider's cache (part of {@code promptTokens},
 *     not in addition)
 * @param reasoningTokens answer tokens spent on reasoning (part of {@code completionTokens})
 * @param cost the cost of the call in the provider's unit (OpenRouter: credits), exact as sent
 */
public record Usage(
    Integer promptTokens,
    Integer completionTokens,
    Integer totalTokens,
    Integer cachedTokens,
    Integer reasoningTokens,
    BigDecimal cost) {

  /** Token counts only. */
  public Usage(Integer promptTokens, Integer completionTokens, Integer totalTokens) {
    this(promptTokens, completionTokens, totalTokens, null, null, null);
  }
}
