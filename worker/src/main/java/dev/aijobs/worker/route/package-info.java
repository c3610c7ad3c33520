/**
 * Routing: every decision about a job's provider calls. {@link dev.aijobs.worker.route.Router}
 * admits a call before it is made (the proxy endpoint's and the deployment's {@link
 * dev.aijobs.worker.route.Breaker}, then the provider's {@link dev.aijobs.worker.route.RateLimit})
 * and decides after a failure (retry, retry direct, rotate key, switch to direct, next target, give
 * up); {@link dev.aijobs.worker.route.FailureClassifier} says whose fault a failure was (proxy
 * layer, provider, local); {@link dev.aijobs.worker.route.ProviderGuards} holds and exports the
 * state the decisions read (per provider a bulkhead and an optional rate limit, a breaker per
 * deployment (provider, model, route) and per proxy endpoint); a {@link
 * dev.aijobs.worker.route.Permit} is what one call holds until its outcome is counted as {@link
 * dev.aijobs.worker.route.BreakerRules} says.
 */
package dev.aijobs.worker.route;
