package dev.aijobs.protocol;

/**
 * One call to a provider made for a job.
 *
 * @param provider provider id
 * @param model model name
 * @param route how the provider was reached
 * @param outcome {@code ok} or an error code's wire name
 * @param ms how long the attempt took
 */
public record Attempt(String provider, String model, Route route, String outcome, long ms) {}
