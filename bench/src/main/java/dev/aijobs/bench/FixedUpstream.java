package dev.aijobs.bench;

import dev.aijobs.worker.warm.WarmUpStub;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The cheapest possible OpenAI-compatible upstream for throughput runs: every request gets the same
 * completion after a fixed latency, without parsing the request (the role nginx plays in such
 * measurements). It is the worker's own warm-up stub on two event loops of its own. The testkit's
 * MockUpstream, which parses and echoes, serves streaming runs.
 */
final class FixedUpstream implements AutoCloseable {
  private final EventLoopGroup group;
  private final WarmUpStub server;

  FixedUpstream(long latencyMs) throws InterruptedException {
    group =
        new MultiThreadIoEventLoopGroup(
            2, new DefaultThreadFactory("fixed-upstream", true), NioIoHandler.newFactory());
    server = WarmUpStub.start(group, latencyMs);
  }

  String baseUrl() {
    return server.baseUrl();
  }

  @Override
  public void close() {
    server.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
