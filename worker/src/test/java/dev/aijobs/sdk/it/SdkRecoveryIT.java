package dev.aijobs.sdk.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aijobs.protocol.JobRequest;
import dev.aijobs.protocol.JobResult;
import dev.aijobs.sdk.AiJobsClient;
import dev.aijobs.sdk.ClientClosedException;
import dev.aijobs.sdk.Jobs;
import dev.aijobs.sdk.PublishException;
import dev.aijobs.testkit.MockUpstream;
import dev.aijobs.testkit.TestBroker;
import dev.aijobs.worker.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Results that survive a client restart, a closed connection and a resource alarm. */
class SdkRecoveryIT {
  private static MockUpstream upstream;
  private static Worker worker;

  @BeforeAll
  static void startWorker() throws Exception {
    upstream = MockUpstream.start();
    worker = SdkEnv.startWorker(upstream);
    await().atMost(Duration.ofSeconds(10)).until(worker::isReady);
  }

  @AfterAll
  static void stopWorker() {
    if (worker != null) {
      worker.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  private static JobRequest job(String model, String prompt) {
    return Jobs.builder("mock", model).user(prompt).timeout(Duration.ofSeconds(60)).build();
  }

  @Test
  void aClientClosedWithResultsPendingReceivesThemWhenRecreatedOnTheSameQueue() throws Exception {
    String queue = SdkEnv.replyQueue("restart");
    try {
      int n = 20;
      Set<String> ids = ConcurrentHashMap.newKeySet();
      List<CompletableFuture<JobResult>> before = new ArrayList<>();
      long upstreamBefore = upstream.requestCount();
      AiJobsClient first = AiJobsClient.create(SdkEnv.config(queue).build());
      for (int i = 0; i < n; i++) {
        JobRequest job = job("m;mock:latency=1500", "r-" + i);
        ids.add(job.id());
        before.add(first.submit(job));
      }
      // The worker has the jobs (the broker confirmed them); the bot goes down.
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> upstream.requestCount() - upstreamBefore >= n);
      first.close();
      for (CompletableFuture<JobResult> f : before) {
        assertThat(f).isCompletedExceptionally();
        assertThat(f.handle((r, e) -> e).join()).isInstanceOf(ClientClosedException.class);
      }
      // Results are published while no client is connected and wait in the durable queue.
      await().atMost(Duration.ofSeconds(30)).until(() -> SdkEnv.messageCount(queue) >= n);

      List<JobResult> unclaimed = new CopyOnWriteArrayList<>();
      try (AiJobsClient second =
          AiJobsClient.create(
              SdkEnv.config(queue).unclaimedResultHandler(unclaimed::add).build())) {
        await().atMost(Duration.ofSeconds(20)).until(() -> unclaimed.size() >= n);
        assertThat(unclaimed.stream().map(JobResult::id).collect(Collectors.toSet()))
            .isEqualTo(ids);
        assertThat(unclaimed).allSatisfy(r -> assertThat(r.isOk()).isTrue());
        assertThat(second.inFlight()).isZero();
      }
    } finally {
      SdkEnv.delete(queue);
    }
  }

  @Test
  void aConnectionClosedUnderLoadLeavesNoFutureHanging() throws Exception {
    String queue = SdkEnv.replyQueue("close-connection");
    String name = "aijobs-sdk-it-kill-" + System.nanoTime();
    try (AiJobsClient client =
        AiJobsClient.create(SdkEnv.config(queue).connectionName(name).build())) {
      int n = 3000;
      List<CompletableFuture<JobResult>> futures = new ArrayList<>();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        JobRequest job = job("m;mock:latency=300", "k-" + i);
        ids.add(job.id());
        futures.add(client.submit(job));
        if (i == n / 2) {
          await()
              .atMost(Duration.ofSeconds(10))
              .until(() -> futures.stream().filter(CompletableFuture::isDone).count() > 100);
          assertThat(SdkEnv.closeConnections(name, "aijobs SDK test: connection closed"))
              .isEqualTo(2);
        }
      }
      await()
          .atMost(Duration.ofSeconds(90))
          .until(() -> futures.stream().allMatch(CompletableFuture::isDone));

      int ok = 0;
      int lost = 0;
      for (int i = 0; i < n; i++) {
        try {
          JobResult r = futures.get(i).join();
          assertThat(r.id()).isEqualTo(ids.get(i));
          ok++;
        } catch (CompletionException e) {
          // Not confirmed when the connection dropped, or submitted while it was down.
          assertThat(e.getCause())
              .isInstanceOfSatisfying(
                  PublishException.class,
                  p -> assertThat(p.reason()).isEqualTo(PublishException.Reason.CONNECTION_LOST));
          lost++;
        }
      }
      assertThat(ok + lost).isEqualTo(n);
      assertThat(ok).as("results owed by the broker complete after recovery").isGreaterThan(n / 3);
      assertThat(client.inFlight()).isZero();

      await().atMost(Duration.ofSeconds(30)).until(client::isConnected);
      JobResult after = client.submit(job("m", "after")).get(30, TimeUnit.SECONDS);
      assertThat(after.completion().content()).isEqualTo("echo: after");
    } finally {
      SdkEnv.delete(queue);
    }
  }

  @Test
  void aResourceAlarmFailsNewSubmitsClearly() throws Exception {
    String queue = SdkEnv.replyQueue("alarm");
    try (AiJobsClient client = AiJobsClient.create(SdkEnv.config(queue).build())) {
      try {
        TestBroker.rabbitmqctl("set_vm_memory_high_watermark", "0.0000001");
        // The broker blocks a connection once it publishes: keep submitting until it says so.
        List<CompletableFuture<JobResult>> probes = new CopyOnWriteArrayList<>();
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> {
                  probes.add(client.submit(job("m", "probe")));
                  return client.isBlocked();
                });
        CompletableFuture<JobResult> refused = client.submit(job("m", "refused"));
        assertThat(refused).isCompletedExceptionally();
        Throwable cause = refused.handle((r, e) -> e).join();
        assertThat(cause)
            .isInstanceOfSatisfying(
                PublishException.class,
                p -> assertThat(p.reason()).isEqualTo(PublishException.Reason.BLOCKED))
            .hasMessageContaining("blocked the connection");
        // Probes sent before the block came are not left hanging either.
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> probes.stream().allMatch(CompletableFuture::isDone));
      } finally {
        TestBroker.rabbitmqctl("set_vm_memory_high_watermark", "0.4");
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> !client.isBlocked());
      JobResult after = client.submit(job("m", "after")).get(30, TimeUnit.SECONDS);
      assertThat(after.completion().content()).isEqualTo("echo: after");
    } finally {
      SdkEnv.delete(queue);
    }
  }
}
