package dev.aijobs.worker.execute;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aijobs.protocol.JobRequest;
import dev.aijobs.worker.config.ConnectionMode;
import dev.aijobs.worker.config.ProviderConfig;
import dev.aijobs.worker.config.ProxySettings;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.Timer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.asynchttpclient.AsyncHttpClient;
import org.asynchttpclient.DefaultAsyncHttpClient;
import org.asynchttpclient.DefaultAsyncHttpClientConfig;
import org.asynchttpclient.ListenableFuture;
import org.asynchttpclient.Realm;
import org.asynchttpclient.RequestBuilder;
import org.asynchttpclient.proxy.ProxyServer;
import org.asynchttpclient.proxy.ProxyType;

/**
 * Non-blocking chat-completion calls with AsyncHttpClient on the shared event loop. The client has
 * no proxy of its own and its retries are off: the proxy is set per attempt, and the worker's
 * {@link dev.aijobs.worker.route.Router} is the only retry authority. Pooled connections are
 * partitioned by proxy credentials too, so tunnels opened for one proxy user never serve another.
 * Thread-safe.
 */
public final class UpstreamClient implements Upstream, AutoCloseable {
  private static final Duration NO_TIMEOUT = Duration.ofMillis(-1);

  private final AsyncHttpClient http;
  private final ObjectMapper mapper;
  private final ResponseMapper responses;
  private final Timer timer;

  /**
   * A client on {@code group} (an NIO/epoll group) using {@code timer} for every clock.
   *
   * @param sslContext TLS settings for providers, or null for the JVM's defaults
   */
  public UpstreamClient(
      EventLoopGroup group, Timer timer, ObjectMapper mapper, SslContext sslContext) {
    DefaultAsyncHttpClientConfig.Builder config =
        new DefaultAsyncHttpClientConfig.Builder()
            .setEventLoopGroup(group)
            .setNettyTimer(timer)
            .setMaxRequestRetry(0)
            .setHttp2Enabled(false)
            .setKeepAlive(true)
            .setFollowRedirect(false)
            .setMaxConnections(-1)
            .setMaxConnectionsPerHost(-1)
            // Backstops only: the attempt's own clocks (connect, first data, idle, deadline) rule.
            .setConnectTimeout(Duration.ofSeconds(60))
            // No read timer per request: the attempt's first-data, idle and deadline clocks
            // bound every read (a second timer per call was pure cost).
            .setReadTimeout(NO_TIMEOUT)
            .setRequestTimeout(NO_TIMEOUT)
            .setHandshakeTimeout(60_000)
            .setPooledConnectionIdleTimeout(Duration.ofSeconds(30))
            // The pool's idle-connection sweep walks every pooled connection on the shared timer
            // thread (default every 100 ms: 3% of the worker's CPU with 5,000 connections); idle
            // connections are closed 30 to 35 s after their last use instead.
            .setConnectionPoolCleanerPeriod(Duration.ofSeconds(5))
            .setTcpNoDelay(true)
            // Providers are stateless APIs: no cookie store to look up on every request.
            .setCookieStore(null)
            .setHttpAdditionalChannelInitializer(ch -> ch.pipeline().addLast(ProxyDns.HANDLER))
            .setUserAgent("aijobs-worker");
    if (sslContext != null) {
      config.setSslContext(sslContext);
    }
    this.http = new DefaultAsyncHttpClient(config.build());
    this.mapper = mapper;
    this.responses = new ResponseMapper(mapper);
    this.timer = timer;
  }

  /**
   * Makes one call. The future never fails: failures become an error outcome.
   *
   * @param deltas receives streamed content and reasoning text as it arrives (on an I/O thread)
   */
  @Override
  public CompletableFuture<AttemptOutcome> call(AttemptSpec spec, StreamText deltas) {
    AttemptHandler handler = new AttemptHandler(spec, responses, timer, deltas);
    try {
      ProviderConfig provider = spec.provider();
      boolean stream = spec.job().stream();
      RequestBuilder req =
          new RequestBuilder("POST")
              .setUrl(provider.chatCompletionsUrl())
              .setHeader("Content-Type", "application/json")
              .setHeader("Accept", stream ? "text/event-stream" : "application/json")
              .setBody(body(spec.model(), spec.job(), stream && provider.streamUsage()))
              .setRequestTimeout(stream ? NO_TIMEOUT : provider.timeout());
      provider.headers().forEach(req::setHeader);
      if (spec.apiKey() != null) {
        req.setHeader(provider.authHeader(), provider.authValue(spec.apiKey()));
      }
      if (spec.viaProxy()) {
        ProxySettings proxy = provider.proxy();
        req.setProxyServer(proxyServer(proxy));
        req.setChannelPoolPartitioning(ProxyAwarePartitioning.INSTANCE);
        if (proxy.resolveAtProxy() && proxy.type() == ConnectionMode.SOCKS5) {
          req.setNameResolver(ProxyDns.resolverFor(provider.baseUrl().getHost()));
        }
      }
      ListenableFuture<Void> call = http.executeRequest(req.build(), handler);
      handler.started(call);
    } catch (RuntimeException | IOException e) {
      handler.onThrowable(e);
    }
    return handler.result();
  }

  /** Connections the client holds open (active plus idle in the pool). */
  public long openConnections() {
    return http.getClientStats().getTotalConnectionCount();
  }

  /**
   * The request body: the job's model, messages and params, {@code stream}, and for streams {@code
   * stream_options.include_usage} unless the job's params set {@code stream_options} or the
   * provider turned it off (usage then comes from the last event).
   */
  private byte[] body(String model, JobRequest job, boolean askUsage) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = mapper.getFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("model", model);
      g.writeArrayFieldStart("messages");
      for (JsonNode m : job.messages()) {
        mapper.writeTree(g, m);
      }
      g.writeEndArray();
      if (job.params() != null) {
        for (Map.Entry<String, JsonNode> e : job.params().properties()) {
          g.writeFieldName(e.getKey());
          mapper.writeTree(g, e.getValue());
        }
      }
      g.writeBooleanField("stream", job.stream());
      if (askUsage && (job.params() == null || !job.params().has("stream_options"))) {
        g.writeObjectFieldStart("stream_options");
        g.writeBooleanField("include_usage", true);
        g.writeEndObject();
      }
      g.writeEndObject();
    }
    return out.toByteArray();
  }

  private static ProxyServer proxyServer(ProxySettings p) {
    ProxyServer.Builder b =
        new ProxyServer.Builder(p.host(), p.port())
            .setProxyType(p.type() == ConnectionMode.HTTP ? ProxyType.HTTP : ProxyType.SOCKS_V5);
    if (p.username() != null) {
      b.setRealm(
          new Realm.Builder(p.username(), p.password() == null ? "" : p.password().reveal())
              .setScheme(Realm.AuthScheme.BASIC));
    }
    return b.build();
  }

  @Override
  public void close() throws IOException {
    http.close();
  }
}
