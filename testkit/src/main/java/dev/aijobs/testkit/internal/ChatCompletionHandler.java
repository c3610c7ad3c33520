package dev.aijobs.testkit.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes one aggregated HTTP request: {@code POST /v1/chat/completions} is answered after the
 * latency on the channel's event loop (no thread sleeps); anything else gets an immediate JSON
 * error (404 unknown path, 405 wrong method, 400 bad request).
 */
final class ChatCompletionHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

  /** The only path served. */
  static final String CHAT_COMPLETIONS_PATH = "/v1/chat/completions";

  private static final Logger LOG = LoggerFactory.getLogger(ChatCompletionHandler.class);

  private final ObjectMapper mapper;
  private final UpstreamCounters counters;
  private final ResponsePlanner planner;
  private final LatencyModel latency;
  private final CallTracker calls;

  ChatCompletionHandler(
      ObjectMapper mapper,
      UpstreamCounters counters,
      ResponsePlanner planner,
      LatencyModel latency,
      CallTracker calls) {
    this.mapper = mapper;
    this.counters = counters;
    this.planner = planner;
    this.latency = latency;
    this.calls = calls;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (request.decoderResult().isFailure()) {
      planner.invalid(400, "malformed HTTP request").write(ctx);
      return;
    }
    String path = new QueryStringDecoder(request.uri()).path();
    if (!CHAT_COMPLETIONS_PATH.equals(path)) {
      planner.invalid(404, "no route for " + request.method() + " " + path).write(ctx);
    } else if (!HttpMethod.POST.equals(request.method())) {
      planner.invalid(405, path + " only accepts POST").write(ctx);
    } else {
      counters.countRequest();
      chatCompletion(ctx, request);
    }
  }

  private void chatCompletion(ChannelHandlerContext ctx, FullHttpRequest request) {
    ChatRequest chat;
    UpstreamCounters.ModelCounter model;
    int concurrencyLimit;
    Directives directives;
    try {
      chat = ChatRequest.parse(mapper, request.content());
      model = counters.model(chat.model());
      long nth = model.count();
      directives = Directives.parse(chat.model());
      concurrencyLimit = directives.concurrencyLimit();
      if (!directives.appliesTo(nth, model.sinceFirst())) {
        directives = Directives.NONE;
      }
    } catch (InvalidRequestException e) {
      planner.invalid(400, e.getMessage()).write(ctx);
      return;
    }
    if (directives.rejectKey().isPresent()
        && ("Bearer " + directives.rejectKey().get())
            .equals(request.headers().get("Authorization"))) {
      planner.invalid(401, "invalid API key").write(ctx);
      return;
    }
    if (!calls.enter(model, concurrencyLimit)) {
      model.countOverLimit();
      planner.overLimit(directives, concurrencyLimit).write(ctx);
      return;
    }
    ResponseWriter writer = planner.plan(chat, directives);
    Duration delay = directives.latency().orElseGet(latency::sample);
    if (delay.isZero()) {
      writer.write(ctx);
    } else {
      ctx.executor().schedule(() -> writer.write(ctx), delay.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("closing mock upstream connection {}", ctx.channel(), cause);
    ctx.close();
  }
}
