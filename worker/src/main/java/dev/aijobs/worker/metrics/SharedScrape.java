package dev.aijobs.worker.metrics;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Renders the registry at most once at a time: a scrape requested while a render runs shares that
 * render's text instead of starting another. Two Prometheus servers of an HA pair scrape every
 * worker at about the same moment; rendering twice would cost the CPU twice for the same numbers,
 * and refusing one (503/429) would make that server record {@code up=0} and alert.
 *
 * <p>Thread-safe. The render runs on the given executor, never on the caller's thread.
 */
final class SharedScrape {
  private final Supplier<String> render;
  private final Executor executor;
  private CompletableFuture<String> running; // guarded by this

  SharedScrape(Supplier<String> render, Executor executor) {
    this.render = render;
    this.executor = executor;
  }

  /** The text of the render in progress, or of a new one started now; never fails synchronously. */
  CompletableFuture<String> get() {
    CompletableFuture<String> result;
    synchronized (this) {
      if (running != null) {
        return running;
      }
      result = new CompletableFuture<>();
      running = result;
    }
    try {
      executor.execute(() -> render(result));
    } catch (RuntimeException e) { // rejected: the executor is shutting down
      finish(result);
      result.completeExceptionally(e);
    }
    return result;
  }

  private void render(CompletableFuture<String> result) {
    String text;
    try {
      text = render.get();
    } catch (RuntimeException | Error e) {
      finish(result);
      result.completeExceptionally(e);
      return;
    }
    // Cleared before completing: a scrape that arrives after this render's end gets a new one.
    finish(result);
    result.complete(text);
  }

  private synchronized void finish(CompletableFuture<String> result) {
    if (running == result) {
      running = null;
    }
  }
}
