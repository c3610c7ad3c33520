package dev.aijobs.worker.execute;

import dev.aijobs.protocol.ErrorCode;
import dev.aijobs.protocol.JobError;
import dev.aijobs.worker.config.ConnectionMode;
import dev.aijobs.worker.route.AttemptTrace;
import dev.aijobs.worker.route.AttemptTrace.LocalTimeout;
import dev.aijobs.worker.route.FailureClassifier;
import dev.aijobs.worker.route.FailureKind;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.proxy.ProxyHandler;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.asynchttpclient.AsyncHandler;
import org.asynchttpclient.HttpResponseBodyPart;
import org.asynchttpclient.HttpResponseStatus;
import org.asynchttpclient.ListenableFuture;

/**
 * Follows one provider call: records how far it got (for the classifier), runs the worker's own
 * clocks (connect incl. proxy handshake, first data, idle between stream events, deadline),
 * collects a JSON answer or assembles a stream, and completes {@link #result()} exactly once. HTTP
 * callbacks run on one I/O thread; clocks fire on the timer thread and only abort the call.
 */
final class AttemptHandler implements AsyncHandler<Void> {
  private static final int MAX_BODY = 16 * 1024 * 1024;

  /**
   * Most bytes one streamed answer may take (events, their JSON envelopes, comments): bounds the
   * memory of a line, an event and the assembled answer alike.
   */
  static final long MAX_STREAM_BYTES = 32L * 1024 * 1024;

  private long streamBytes;

  private final AttemptSpec spec;
  private final ResponseMapper responses;
  private final Timer timer;
  private final CompletableFuture<AttemptOutcome> result = new CompletableFuture<>();
  private final StreamAssembler stream;
  private final SseParser sse;
  private final ByteArrayOutputStream body = new ByteArrayOutputStream(1024);

  private volatile ListenableFuture<Void> call;
  private volatile boolean connectAttempted;
  private volatile boolean tcpConnected;
  private volatile boolean tunnelUp;
  private volatile boolean responseStarted;
  private volatile boolean firstData;
  private volatile LocalTimeout fired;
  private volatile boolean sseMode;

  /** An HTTPS provider through an HTTP proxy: the tunnel is made with CONNECT. */
  private final boolean connectTunnel;

  private volatile boolean deadlineBindsRequestTimeout;
  private int status;
  private Duration retryAfter;
  private Timeout connectClock;
  private Timeout firstDataClock;
  private Timeout deadlineClock;
  private volatile Timeout idleClock;

  AttemptHandler(AttemptSpec spec, ResponseMapper responses, Timer timer, StreamText deltas) {
    this.spec = spec;
    this.responses = responses;
    this.timer = timer;
    this.stream = new StreamAssembler(responses.mapper(), responses, deltas);
    this.sse = new SseParser(this::onEvent);
    this.connectTunnel =
        spec.viaProxy()
            && spec.provider().proxy().type() == ConnectionMode.HTTP
            && "https".equalsIgnoreCase(spec.provider().baseUrl().getScheme());
  }

  CompletableFuture<AttemptOutcome> result() {
    return result;
  }

  /** Arms the clocks once the call is under way. */
  synchronized void started(ListenableFuture<Void> call) {
    this.call = call;
    if (result.isDone()) {
      return; // finished while being started (e.g. a name that does not resolve): no clocks
    }
    long now = System.currentTimeMillis();
    // A non-streaming call carries the HTTP client's request timeout (the provider's TIMEOUT):
    // when the deadline comes no later, a timeout from the client is the deadline's.
    deadlineBindsRequestTimeout =
        !spec.job().stream() && spec.deadlineMs() - now <= spec.provider().timeout().toMillis();
    connectClock = arm(spec.provider().connectTimeout().toMillis(), LocalTimeout.CONNECT);
    firstDataClock = arm(spec.provider().firstDataTimeout().toMillis(), LocalTimeout.FIRST_DATA);
    deadlineClock = arm(Math.max(1, spec.deadlineMs() - now), LocalTimeout.DEADLINE);
  }

  private Timeout arm(long millis, LocalTimeout clock) {
    return timer.newTimeout(t -> fire(clock), millis, TimeUnit.MILLISECONDS);
  }

  private void fire(LocalTimeout clock) {
    if (result.isDone()) {
      return;
    }
    if (clock == LocalTimeout.CONNECT && tunnelUp) {
      return;
    }
    if (clock == LocalTimeout.FIRST_DATA && firstData) {
      return;
    }
    if (clock == LocalTimeout.IDLE && stream.isFinished()) {
      // Complete after a finish_reason even without [DONE].
      finishStream();
      abortQuietly();
      return;
    }
    if (fired == null) {
      fired = clock;
    }
    ListenableFuture<Void> c = call;
    if (c != null) {
      // cancel(true), not abort(): abort leaves the connection open until the peer speaks.
      c.cancel(true);
    } else {
      onThrowable(new TimeoutException(clock.name().toLowerCase() + " timeout"));
    }
  }

  @Override
  public void onTcpConnectAttempt(InetSocketAddress remoteAddress) {
    connectAttempted = true;
  }

  @Override
  public void onTcpConnectSuccess(InetSocketAddress remoteAddress, Channel channel) {
    tcpConnected = true;
    if (connectTunnel) {
      return; // the tunnel is up when TLS to the provider starts, after the proxy's CONNECT 200
    }
    ProxyHandler proxy = spec.viaProxy() ? channel.pipeline().get(ProxyHandler.class) : null;
    if (proxy == null) {
      tunnelUp = true;
    } else if (proxy.isConnected()) {
      tunnelUp = true;
    } else {
      proxy.connectFuture().addListener(f -> tunnelUp = f.isSuccess());
    }
  }

  @Override
  public void onTlsHandshakeAttempt() {
    if (connectTunnel) {
      tunnelUp = true;
    }
  }

  @Override
  public void onConnectionPooled(Channel channel) {
    connectAttempted = true;
    tcpConnected = true;
    tunnelUp = true;
  }

  @Override
  public State onStatusReceived(HttpResponseStatus responseStatus) {
    if (connectTunnel && !tunnelUp) {
      // The HTTP proxy's own answer to CONNECT (not 200): a proxy-layer failure.
      complete(
          AttemptOutcome.transport(
              FailureKind.PROXY_HANDSHAKE,
              "proxy_handshake (via proxy "
                  + spec.provider().proxy()
                  + "): CONNECT answered HTTP "
                  + responseStatus.getStatusCode()));
      return State.ABORT;
    }
    responseStarted = true;
    tunnelUp = true;
    status = responseStatus.getStatusCode();
    if (!spec.job().stream() || status != 200) {
      markFirstData();
    }
    return State.CONTINUE;
  }

  @Override
  public State onHeadersReceived(HttpHeaders headers) {
    retryAfter = RetryAfter.parse(headers);
    String type = headers.get("Content-Type", "");
    sseMode = spec.job().stream() && status == 200 && type.contains("text/event-stream");
    if (spec.job().stream() && status == 200 && !sseMode) {
      markFirstData();
    }
    return State.CONTINUE;
  }

  @Override
  public State onBodyPartReceived(HttpResponseBodyPart part) {
    byte[] bytes = part.getBodyPartBytes();
    if (sseMode) {
      streamBytes += bytes.length;
      if (streamBytes > MAX_STREAM_BYTES) {
        complete(
            AttemptOutcome.failed(
                new JobError(
                    ErrorCode.MALFORMED_RESPONSE,
                    "stream larger than " + MAX_STREAM_BYTES + " bytes",
                    status,
                    true),
                null));
        return State.ABORT;
      }
      sse.feed(bytes);
      return stream.error() == null ? State.CONTINUE : failStream();
    }
    if (body.size() + bytes.length > MAX_BODY) {
      complete(
          AttemptOutcome.failed(
              new JobError(
                  ErrorCode.MALFORMED_RESPONSE,
                  "answer larger than " + MAX_BODY + " bytes",
                  status,
                  true),
              null));
      return State.ABORT;
    }
    body.write(bytes, 0, bytes.length);
    return State.CONTINUE;
  }

  private void onEvent(SseParser.Event event) {
    if (stream.accept(event) != StreamAssembler.DATA) {
      return;
    }
    markFirstData();
    Timeout previous = idleClock;
    if (previous != null) {
      previous.cancel();
    }
    long idle = spec.provider().idleTimeout().toMillis();
    idleClock = arm(stream.isFinished() ? Math.min(idle, 1000) : idle, LocalTimeout.IDLE);
  }

  private void markFirstData() {
    if (!firstData) {
      firstData = true;
      cancel(firstDataClock);
      cancel(connectClock);
    }
  }

  private State failStream() {
    complete(AttemptOutcome.failed(stream.error(), null));
    return State.ABORT;
  }

  @Override
  public Void onCompleted() {
    if (result.isDone()) {
      return null;
    }
    if (sseMode) {
      sse.finish();
      if (stream.error() != null) {
        failStream();
      } else if (stream.isFinished()) {
        finishStream();
      } else {
        complete(AttemptOutcome.failed(StreamAssembler.truncated("ended"), null));
      }
      return null;
    }
    complete(
        responses.map(status, body.toByteArray(), spec.provider().id(), spec.model(), retryAfter));
    return null;
  }

  private synchronized void finishStream() {
    if (!result.isDone()) {
      complete(AttemptOutcome.ok(stream.completion(spec.provider().id(), spec.model())));
    }
  }

  @Override
  public void onThrowable(Throwable t) {
    if (result.isDone()) {
      return;
    }
    if (sseMode && stream.isFinished()) {
      finishStream();
      return;
    }
    if (fired == null && deadlineBindsRequestTimeout && isTimeout(t)) {
      // The client's request timeout and our deadline clock expire together; whichever fires
      // first, it is the deadline (not a silent provider, which would be retryable).
      fired = LocalTimeout.DEADLINE;
    }
    AttemptTrace trace =
        new AttemptTrace(
            spec.viaProxy(),
            spec.viaProxy() ? spec.provider().proxy().host() : null,
            connectAttempted,
            tcpConnected,
            tunnelUp,
            responseStarted,
            fired);
    FailureKind kind = FailureClassifier.classify(t, trace);
    String message = describe(kind, t);
    if (sseMode && stream.sawData() && kind != FailureKind.DEADLINE) {
      JobError cut =
          StreamAssembler.truncated(kind == FailureKind.IDLE_TIMEOUT ? "stalled" : "was cut");
      complete(new AttemptOutcome(null, cut, kind, null));
      return;
    }
    complete(AttemptOutcome.transport(kind, message));
  }

  private static boolean isTimeout(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof TimeoutException) {
        return true;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return false;
  }

  private String describe(FailureKind kind, Throwable t) {
    String where = spec.viaProxy() ? "via proxy " + spec.provider().proxy() : "direct";
    String cause = fired != null ? fired.name().toLowerCase() + " timeout" : t.toString();
    return kind.name().toLowerCase() + " (" + where + "): " + cause;
  }

  private synchronized void complete(AttemptOutcome outcome) {
    if (result.isDone()) {
      return;
    }
    cancel(connectClock);
    cancel(firstDataClock);
    cancel(deadlineClock);
    cancel(idleClock);
    result.complete(outcome);
  }

  private void abortQuietly() {
    ListenableFuture<Void> c = call;
    if (c != null) {
      c.cancel(true);
    }
  }

  private static void cancel(Timeout t) {
    if (t != null) {
      t.cancel();
    }
  }
}
