package dev.aijobs.protocol;

/**
 * Where the time of a job went, in milliseconds.
 *
 * @param queuedMs publish to consume (null when the producer gave no publish time)
 * @param ttftMs consume to first streamed token (null when not streaming)
 * @param upstreamMs time spent in provider attempts
 * @param totalMs consume to result
 */
public record Timing(Long queuedMs, Long ttftMs, Long upstreamMs, long totalMs) {}
