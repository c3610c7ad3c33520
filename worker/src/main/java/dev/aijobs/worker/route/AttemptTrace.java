package dev.aijobs.worker.route;

/**
 * What an attempt had reached when it failed: the facts the classifier needs besides the exception.
 * Filled in by the attempt's HTTP callbacks.
 *
 * @param viaProxy whether the attempt used a proxy
 * @param proxyHost the proxy's host, or null
 * @param connectAttempted whether a TCP connection (to the proxy or the provider) was attempted or
 *     a pooled one was taken
 * @param tcpConnected whether that TCP connection was established
 * @param tunnelUp whether the path to the provider was established (proxy tunnel up, or direct TCP
 *     connected)
 * @param responseStarted whether any response byte (status line) had arrived
 * @param localTimeout which of our own clocks fired, or null
 */
public record AttemptTrace(
    boolean viaProxy,
    String proxyHost,
    boolean connectAttempted,
    boolean tcpConnected,
    boolean tunnelUp,
    boolean responseStarted,
    LocalTimeout localTimeout) {

  /** The worker's own clocks. */
  public enum LocalTimeout {
    /** TCP connect plus proxy handshake. */
    CONNECT,
    /** No response or no first data event. */
    FIRST_DATA,
    /** No data event for too long mid-answer. */
    IDLE,
    /** The job's deadline. */
    DEADLINE
  }
}
