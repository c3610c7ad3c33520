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
  private final String uri;
  private final String replyQueue = "aijobs.bench.replies." + ProcessHandle.current().pid();

  SdkSender(String uri, int maxInFlight) throws Exception {
    this.uri = uri;
    client =
        AiJobsClient.create(
            ClientConfig.builder()
                .uri(uri)
                .replyQueue(replyQueue)
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
    return client.stream(job, listener)
        .thenApply(
            r -> {
              long f = first.get();
              return new Outcome(
                  r.isOk(), System.nanoTime() - sent, f < 0 ? -1 : f - sent, chunks.get());
            });
  }

  /** Publishes {@code job}; the future completes with its result. */
  CompletableFuture<dev.aijobs.protocol.JobResult> submit(JobRequest job) {
    return client.submit(job);
  }

  /** Closes the client and deletes its reply queue (durable, so it would outlive the run). */
  @Override
  public void close() throws java.io.IOException {
    client.close();
    com.rabbitmq.client.ConnectionFactory cf = new com.rabbitmq.client.ConnectionFactory();
    try {
      cf.setUri(uri);
      try (com.rabbitmq.client.Connection c = cf.newConnection("aijobs-bench-cleanup");
          com.rabbitmq.client.Channel ch = c.createChannel()) {
        ch.queueDelete(replyQueue);
      }
    } catch (java.io.IOException e) {
      throw e;
    } catch (Exception e) {
      throw new java.io.IOException("cannot delete " + replyQueue, e);
    }
  }
}
