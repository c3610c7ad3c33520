package dev.aijobs.protocol;

/**
 * Token usage as reported by the provider; any field may be null when the provider did not say.
 *
 * @param promptTokens tokens in the prompt
 * @param completionTokens tokens in the answer
 * @param totalTokens both together
 */
public record Usage(Integer promptTokens, Integer completionTokens, Integer totalTokens) {}
