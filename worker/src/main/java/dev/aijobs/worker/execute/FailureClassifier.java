package dev.aijobs.worker.execute;

import dev.aijobs.protocol.ErrorCode;
import dev.aijobs.protocol.JobError;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;

/**
 * The one place that inspects exceptions of provider calls and turns them into an error value.
 * Walks the cause chain; never throws.
 */
final class FailureClassifier {
  private FailureClassifier() {}

  static JobError classify(Throwable failure, boolean deadlinePassed) {
    if (deadlinePassed) {
      return JobError.of(ErrorCode.DEADLINE_EXCEEDED, "the job's deadline passed during the call");
    }
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof TimeoutException || t instanceof io.netty.channel.ConnectTimeoutException) {
        return JobError.of(
            t instanceof io.netty.channel.ConnectTimeoutException
                ? ErrorCode.CONNECT_FAILED
                : ErrorCode.TIMEOUT,
            describe(t));
      }
      if (t instanceof ConnectException || t instanceof UnknownHostException) {
        return JobError.of(ErrorCode.CONNECT_FAILED, describe(t));
      }
      if (t instanceof CancellationException) {
        return JobError.of(ErrorCode.INTERNAL, "call cancelled");
      }
      if (t instanceof ClosedChannelException || t instanceof java.io.IOException) {
        return JobError.of(ErrorCode.UPSTREAM_ERROR, describe(t));
      }
    }
    return JobError.of(ErrorCode.INTERNAL, describe(failure));
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }
}
