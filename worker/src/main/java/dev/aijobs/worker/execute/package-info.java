/**
 * Carrying out jobs: {@link dev.aijobs.worker.execute.JobExecutor} runs each job as a {@code
 * JobRun}, which asks the {@link dev.aijobs.worker.route.Router} before and after every call and
 * carries out its answers without deciding anything itself; {@link
 * dev.aijobs.worker.execute.UpstreamClient} makes each call with AsyncHttpClient on the shared
 * event loop, followed by an {@code AttemptHandler} (the call's clocks, {@code ResponseMapper} for
 * an answer, {@code SseParser}, {@code StreamAssembler} and {@code AnswerBuilder} for a stream);
 * {@code ChunkCoalescer} turns stream text into chunk messages and {@code KeyPool} rotates a
 * provider's API keys.
 */
package dev.aijobs.worker.execute;
