package dev.aijobs.bench;

import dev.aijobs.protocol.JobChunk;
import dev.aijobs.protocol.JobRequest;
import dev.aijobs.sdk.AiJobsClient;
import dev.aijobs.sdk.ChunkListener;
import dev.aijobs.sdk.ClientConfig;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Drives jobs through the producer SDK, as a bot would. */
final class SdkSender implements JobSender {
  private final AiJobsClient client;

  SdkSender(String uri, int maxInFlight) throws Exception {
    client =
        AiJobsClient.create(
            ClientConfig.builder()
                .uri(uri)
                .replyQueue("aijobs.bench.replies." + ProcessHandle.current().pid())
                .maxInFlight(Math.max(maxInFlight * 2, 1000))
                .connectionName("aijobs-bench")
                .build());
  }

  @Override
  public CompletableFuture<Outcome> send(JobRequest job) {
    long sent = System.nanoTime();
    if (!job.stream()) {
      return client
          .submit(job)
          .thenApply(r -> new Outcome(r.isOk(), System.nanoTime() - sent, -1, 0));
    }
    AtomicLong first = new AtomicLong(-1);
    AtomicInteger chunks = new AtomicInteger();
    ChunkListener listener =
        (JobChunk chunk) -> {
          first.compareAndSet(-1, System.nanoTime());
          chunks.incrementAndGet();
        };
    return client
        .stream(job, listener)
        .thenApply(
            r -> {
              long f = first.get();
              return new Outcome(
                  r.isOk(), System.nanoTime() - sent, f < 0 ? -1 : f - sent, chunks.get());
            });
  }

  @Override
  public void close() {
    client.close();
  }
}
