package dev.aijobs.worker.execute;

import dev.aijobs.protocol.JobRequest;
import dev.aijobs.protocol.Route;
import dev.aijobs.worker.config.ProviderConfig;
import dev.aijobs.worker.config.Secret;

/**
 * One provider call to make.
 *
 * @param provider the provider
 * @param model the model to ask for
 * @param route direct or through the provider's proxy
 * @param apiKey the key for this call, or null
 * @param job the job (messages, params, stream flag)
 * @param deadlineMs the job's absolute deadline, epoch millis
 */
public record AttemptSpec(
    ProviderConfig provider,
    String model,
    Route route,
    Secret apiKey,
    JobRequest job,
    long deadlineMs) {

  /** Whether this call goes through the proxy. */
  public boolean viaProxy() {
    return route == Route.PROXY;
  }
}
