package dev.aijobs.worker.route;

import java.time.Duration;

/**
 * What job runs tell the consuming side about a provider, so that its lane can adapt: answers raise
 * the lane's in-flight limit, overload signals lower it, and a provider that cannot be called for a
 * while (every key rate-limited, its proxy's breaker open with no direct route) pauses the lane so
 * waiting jobs stay in the broker. Implementations never block.
 */
public interface ProviderFeedback {
  /** Feedback that goes nowhere (lanes off). */
  ProviderFeedback NONE =
      new ProviderFeedback() {
        @Override
        public void answered(String provider) {}

        @Override
        public void overloaded(String provider) {}

        @Override
        public void unavailable(String provider, Duration forAtLeast, String why) {}
      };

  /** The provider answered a call (an answer or a refusal of the request: it is keeping up). */
  void answered(String provider);

  /** The provider showed overload: 429, 5xx, a timeout. */
  void overloaded(String provider);

  /** The provider cannot be called for {@code forAtLeast}. */
  void unavailable(String provider, Duration forAtLeast, String why);
}
