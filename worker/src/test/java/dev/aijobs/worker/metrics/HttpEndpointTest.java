package dev.aijobs.worker.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.EventLoopGroup;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The scrape endpoint on a real Netty server (127.0.0.1, port 0) with real client connections:
 * renders never overlap, health never waits for a scrape, idle and surplus connections are closed.
 */
class HttpEndpointTest {
  /** Long enough that the idle timeout never interferes with tests about something else. */
  private static final Duration NO_IDLE_CLOSE = Duration.ofMinutes(10);

  private static final Duration SHORT_IDLE = Duration.ofMillis(200);

  // One event loop: connections' idle timers then fire in the order they were armed.
  private final EventLoopGroup group = newEventLoop();
  // More threads than renders may use: only the endpoint keeps renders apart.
  private final ExecutorService renderThreads = Executors.newFixedThreadPool(4);
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final AtomicBoolean ready = new AtomicBoolean(true);
  private final GatedRender render = new GatedRender();
  private final List<Socket> sockets = new ArrayList<>();
  private HttpEndpoint endpoint;

  @SuppressWarnings("deprecation") // the worker's group type (Worker.newEventLoop says why)
  private static EventLoopGroup newEventLoop() {
    return new io.netty.channel.nio.NioEventLoopGroup(1);
  }

  @AfterEach
  void stop() throws IOException {
    render.open();
    for (Socket s : sockets) {
      s.close();
    }
    if (endpoint != null) {
      endpoint.close();
    }
    renderThreads.shutdownNow();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private void start(Supplier<String> scrape, Duration idle, int maxConnections)
      throws InterruptedException {
    endpoint =
        HttpEndpoint.start(
            group,
            "127.0.0.1",
            0,
            scrape,
            new HttpEndpoint.Probes(() -> true, ready::get),
            renderThreads,
            idle,
            maxConnections);
  }

  private CompletableFuture<HttpResponse<String>> getAsync(String path) {
    return http.sendAsync(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) {
    return getAsync(path).orTimeout(30, TimeUnit.SECONDS).join();
  }

  @Test
  void scrapesArrivingDuringARenderShareItsText() throws Exception {
    start(render, NO_IDLE_CLOSE, HttpEndpoint.DEFAULT_MAX_CONNECTIONS);
    List<CompletableFuture<HttpResponse<String>>> scrapes = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      scrapes.add(getAsync("/metrics"));
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> endpoint.scrapeRequests() == 6);

    render.open();

    for (CompletableFuture<HttpResponse<String>> scrape : scrapes) {
      HttpResponse<String> r = scrape.orTimeout(30, TimeUnit.SECONDS).join();
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("aijobs_test_render 1\n");
      assertThat(r.headers().firstValue("content-type"))
          .hasValue("text/plain; version=0.0.4; charset=utf-8");
    }
    assertThat(render.renders.get()).isEqualTo(1);
    assertThat(render.maxRunning.get()).isEqualTo(1);
    // The shared render is over: the next scrape gets fresh numbers.
    assertThat(get("/metrics").body()).isEqualTo("aijobs_test_render 2\n");
  }

  @Test
  void concurrentScrapesNeverRenderAtTheSameTime() throws Exception {
    render.open();
    start(render, NO_IDLE_CLOSE, HttpEndpoint.DEFAULT_MAX_CONNECTIONS);
    List<CompletableFuture<HttpResponse<String>>> scrapes = new ArrayList<>();
    // At most one connection per request in flight: fewer than the connection cap.
    for (int i = 0; i < HttpEndpoint.DEFAULT_MAX_CONNECTIONS / 2; i++) {
      scrapes.add(getAsync("/metrics"));
    }

    for (CompletableFuture<HttpResponse<String>> scrape : scrapes) {
      assertThat(scrape.orTimeout(30, TimeUnit.SECONDS).join().statusCode()).isEqualTo(200);
    }
    assertThat(render.maxRunning.get()).isEqualTo(1);
  }

  @Test
  void healthIsAnsweredWhileAScrapeRenders() throws Exception {
    start(render, NO_IDLE_CLOSE, HttpEndpoint.DEFAULT_MAX_CONNECTIONS);
    CompletableFuture<HttpResponse<String>> scrape = getAsync("/metrics");
    await().atMost(Duration.ofSeconds(30)).until(() -> render.running.get() == 1);

    HttpResponse<String> live = get("/health/live");
    HttpResponse<String> isReady = get("/health/ready");
    ready.set(false);
    HttpResponse<String> notReady = get("/health/ready");

    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(live.body()).isEqualTo("live\n");
    assertThat(isReady.statusCode()).isEqualTo(200);
    assertThat(notReady.statusCode()).isEqualTo(503);
    assertThat(get("/nope").statusCode()).isEqualTo(404);
    assertThat(scrape).isNotDone();
    render.open();
    assertThat(scrape.orTimeout(30, TimeUnit.SECONDS).join().statusCode()).isEqualTo(200);
  }

  @Test
  void aFailedRenderAnswers500AndTheNextScrapeRendersAgain() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    start(
        () -> {
          if (calls.incrementAndGet() == 1) {
            throw new IllegalStateException("meter failed");
          }
          return "ok 1\n";
        },
        NO_IDLE_CLOSE,
        HttpEndpoint.DEFAULT_MAX_CONNECTIONS);

    assertThat(get("/metrics").statusCode()).isEqualTo(500);
    HttpResponse<String> second = get("/metrics");
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.body()).isEqualTo("ok 1\n");
  }

  @Test
  void anIdleKeepAliveConnectionIsClosedByTheServer() throws Exception {
    start(render, SHORT_IDLE, HttpEndpoint.DEFAULT_MAX_CONNECTIONS);
    Socket socket = connect();
    send(socket, "/health/live");
    assertThat(readResponse(socket.getInputStream())).isEqualTo("200 live\n");

    await().atMost(Duration.ofSeconds(30)).until(() -> endpoint.openConnections() == 0);
    assertThat(closedByServer(socket)).isTrue();
  }

  @Test
  void aConnectionWaitingForItsScrapeIsNotClosedAsIdle() throws Exception {
    start(render, SHORT_IDLE, HttpEndpoint.DEFAULT_MAX_CONNECTIONS);
    Socket scraping = connect();
    send(scraping, "/metrics");
    await().atMost(Duration.ofSeconds(30)).until(() -> render.running.get() == 1);
    // A later connection's idle timer fires after the scraping one's: once it is closed, the
    // scraping connection has been quiet for longer than the idle timeout.
    Socket later = connect();
    send(later, "/health/live");
    assertThat(readResponse(later.getInputStream())).isEqualTo("200 live\n");
    CompletableFuture<Boolean> laterClosed =
        CompletableFuture.supplyAsync(() -> closedByServer(later));
    await().atMost(Duration.ofSeconds(30)).until(laterClosed::isDone);
    assertThat(laterClosed.join()).isTrue();

    assertThat(endpoint.openConnections()).isEqualTo(1);
    render.open();
    assertThat(readResponse(scraping.getInputStream())).isEqualTo("200 aijobs_test_render 1\n");
  }

  @Test
  void requestsPipelinedBehindAScrapeAreAnsweredInOrder() throws Exception {
    start(render, NO_IDLE_CLOSE, HttpEndpoint.DEFAULT_MAX_CONNECTIONS);
    Socket socket = connect();
    String twoRequests = request("/metrics") + request("/health/live");
    socket.getOutputStream().write(twoRequests.getBytes(StandardCharsets.US_ASCII));
    await().atMost(Duration.ofSeconds(30)).until(() -> render.running.get() == 1);

    render.open();

    InputStream in = socket.getInputStream();
    assertThat(readResponse(in)).isEqualTo("200 aijobs_test_render 1\n");
    assertThat(readResponse(in)).isEqualTo("200 live\n");
  }

  @Test
  void connectionsBeyondTheCapAreClosed() throws Exception {
    start(render, NO_IDLE_CLOSE, 2);
    Socket first = connect();
    Socket second = connect();
    for (Socket s : List.of(first, second)) {
      send(s, "/health/live");
      assertThat(readResponse(s.getInputStream())).isEqualTo("200 live\n");
    }

    Socket third = connect();
    assertThat(closedByServer(third)).isTrue();
    assertThat(endpoint.openConnections()).isEqualTo(2);

    first.close();
    await().atMost(Duration.ofSeconds(30)).until(() -> endpoint.openConnections() == 1);
    Socket fourth = connect();
    send(fourth, "/health/ready");
    assertThat(readResponse(fourth.getInputStream())).isEqualTo("200 ready\n");
  }

  private Socket connect() throws IOException {
    Socket s = new Socket("127.0.0.1", endpoint.port());
    s.setSoTimeout(30_000); // a safety net against a hung test, never a wait for a condition
    sockets.add(s);
    return s;
  }

  private static String request(String path) {
    return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  }

  private static void send(Socket socket, String path) throws IOException {
    socket.getOutputStream().write(request(path).getBytes(StandardCharsets.US_ASCII));
  }

  /** True once the server closed the connection (end of stream or reset). */
  private static boolean closedByServer(Socket socket) {
    try {
      return socket.getInputStream().read() == -1;
    } catch (SocketException reset) {
      return true;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Reads one response: "status body". */
  private static String readResponse(InputStream in) throws IOException {
    String status = null;
    int length = 0;
    for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
      if (status == null) {
        status = line.split(" ")[1];
      } else if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring("content-length:".length()).trim());
      }
    }
    byte[] body = in.readNBytes(length);
    return status + " " + new String(body, StandardCharsets.UTF_8);
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b == -1) {
        throw new IOException("connection closed mid-response");
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.US_ASCII);
  }

  /** A registry render that waits until {@link #open()} and records how many run at once. */
  private static final class GatedRender implements Supplier<String> {
    final CountDownLatch gate = new CountDownLatch(1);
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger maxRunning = new AtomicInteger();
    final AtomicInteger renders = new AtomicInteger();

    void open() {
      gate.countDown();
    }

    @Override
    public String get() {
      maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
      try {
        gate.await();
        return "aijobs_test_render " + renders.incrementAndGet() + "\n";
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } finally {
        running.decrementAndGet();
      }
    }
  }
}
