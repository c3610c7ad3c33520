package dev.aijobs.worker.warm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aijobs.protocol.JobCodec;
import dev.aijobs.worker.config.ConfigLoader;
import dev.aijobs.worker.config.ConfigSource;
import dev.aijobs.worker.config.WorkerConfig;
import dev.aijobs.worker.execute.AttemptOutcome;
import dev.aijobs.worker.execute.AttemptSpec;
import dev.aijobs.worker.execute.StreamText;
import dev.aijobs.worker.execute.Upstream;
import dev.aijobs.worker.execute.UpstreamClient;
import io.netty.channel.EventLoopGroup;
import io.netty.util.HashedWheelTimer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The start-up warm-up, with the real HTTP client against its stub over loopback. */
class WarmUpTest {
  private EventLoopGroup group;
  private HashedWheelTimer timer;
  private ExecutorService dispatch;
  private UpstreamClient http;
  private final JobCodec codec = new JobCodec();
  private final WorkerConfig config =
      ConfigLoader.load(
          ConfigSource.of(
              Map.of(
                  "AIJOBS_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/%2F",
                  "AIJOBS_PROVIDER_MOCK_BASE_URL", "http://127.0.0.1:1/v1")));

  @BeforeEach
  @SuppressWarnings("deprecation")
  void start() {
    group = new io.netty.channel.nio.NioEventLoopGroup(2);
    timer = new HashedWheelTimer(10, TimeUnit.MILLISECONDS);
    dispatch = Executors.newFixedThreadPool(2);
    http = new UpstreamClient(group, timer, codec.mapper(), null);
  }

  @AfterEach
  void stop() throws Exception {
    http.close();
    dispatch.shutdownNow();
    timer.stop();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Test
  void runsEveryJobThroughTheHttpPathAndAnswersItOk() throws Exception {
    List<AttemptSpec> calls = new CopyOnWriteArrayList<>();
    Upstream recording =
        (spec, deltas) -> {
          calls.add(spec);
          return http.call(spec, deltas);
        };
    WarmUp.Outcome o =
        WarmUp.run(config, group, recording, timer, dispatch, codec, 200, Duration.ofSeconds(30));
    assertThat(o.jobs()).isEqualTo(200);
    assertThat(o.ok()).as("answered ok, JSON and streamed alike").isEqualTo(200);
    assertThat(calls).hasSize(200);
    assertThat(calls).allMatch(c -> c.provider().id().equals(WarmUp.PROVIDER));
    assertThat(calls.stream().filter(c -> c.job().stream()).count())
        .as("every fourth job streamed")
        .isEqualTo(50);
  }

  @Test
  void stopsAtItsBudgetWhenTheStubNeverAnswersInTime() throws Exception {
    // Calls that never finish: the warm-up gives up at its budget instead of holding the start.
    Upstream stuck =
        (AttemptSpec spec, StreamText deltas) -> new CompletableFuture<AttemptOutcome>();
    WarmUp.Outcome o =
        WarmUp.run(config, group, stuck, timer, dispatch, codec, 1_000, Duration.ofMillis(300));
    assertThat(o.ok()).isZero();
    assertThat(o.jobs()).as("none finished: it returned at its budget").isZero();
  }

  @Test
  void zeroJobsDoesNothing() throws Exception {
    assertThat(WarmUp.run(config, group, http, timer, dispatch, codec, 0, Duration.ofSeconds(1)))
        .isEqualTo(new WarmUp.Outcome(0, 0, 0));
  }
}
