package dev.aijobs.worker.execute;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aijobs.protocol.JobError;
import dev.aijobs.protocol.JobRequest;
import dev.aijobs.worker.config.ProviderConfig;
import dev.aijobs.worker.config.ProxySettings;
import io.netty.channel.EventLoopGroup;
import io.netty.util.Timer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.asynchttpclient.AsyncCompletionHandlerBase;
import org.asynchttpclient.AsyncHttpClient;
import org.asynchttpclient.DefaultAsyncHttpClient;
import org.asynchttpclient.DefaultAsyncHttpClientConfig;
import org.asynchttpclient.Realm;
import org.asynchttpclient.RequestBuilder;
import org.asynchttpclient.Response;
import org.asynchttpclient.proxy.ProxyServer;
import org.asynchttpclient.proxy.ProxyType;

/**
 * Non-blocking chat-completion calls with AsyncHttpClient on the shared event loop. The client has
 * no proxy of its own and its retries are off: proxies are set per request, and the worker's policy
 * is the only retry authority. Thread-safe.
 */
public final class UpstreamClient implements AutoCloseable {
  private final AsyncHttpClient http;
  private final ObjectMapper mapper;
  private final ResponseMapper responses;

  /** A client on {@code group} (must be an NIO/epoll group) using {@code timer} for timeouts. */
  public UpstreamClient(EventLoopGroup group, Timer timer, ObjectMapper mapper) {
    DefaultAsyncHttpClientConfig config =
        new DefaultAsyncHttpClientConfig.Builder()
            .setEventLoopGroup(group)
            .setNettyTimer(timer)
            .setMaxRequestRetry(0)
            .setHttp2Enabled(false)
            .setKeepAlive(true)
            .setFollowRedirect(false)
            .setMaxConnections(-1)
            .setMaxConnectionsPerHost(-1)
            .setConnectTimeout(ProviderConfig.DEFAULT_CONNECT_TIMEOUT)
            .setReadTimeout(Duration.ofSeconds(300))
            .setRequestTimeout(ProviderConfig.DEFAULT_TIMEOUT)
            .setPooledConnectionIdleTimeout(Duration.ofSeconds(30))
            .setTcpNoDelay(true)
            .setUserAgent("aijobs-worker")
            .build();
    this.http = new DefaultAsyncHttpClient(config);
    this.mapper = mapper;
    this.responses = new ResponseMapper(mapper);
  }

  /**
   * Makes one non-streaming call. The future never fails: failures become an error result.
   *
   * @param timeout longest the call may take (already bounded by the job's deadline)
   * @param viaProxy whether to use the provider's proxy for this call
   */
  public CompletableFuture<AttemptResult> call(
      ProviderConfig provider, String model, JobRequest job, Duration timeout, boolean viaProxy) {
    CompletableFuture<AttemptResult> out = new CompletableFuture<>();
    try {
      RequestBuilder req =
          new RequestBuilder("POST")
              .setUrl(provider.chatCompletionsUrl())
              .setHeader("Content-Type", "application/json")
              .setHeader("Accept", "application/json")
              .setBody(body(model, job))
              .setRequestTimeout(timeout)
              .setReadTimeout(timeout);
      if (provider.apiKey() != null) {
        req.setHeader("Authorization", "Bearer " + provider.apiKey().reveal());
      }
      if (viaProxy && provider.proxy() != null) {
        req.setProxyServer(proxyServer(provider.proxy()));
      }
      http.executeRequest(
          req.build(),
          new AsyncCompletionHandlerBase() {
            @Override
            public Response onCompleted(Response response) {
              out.complete(
                  responses.map(
                      response.getStatusCode(),
                      response.getResponseBodyAsBytes(),
                      provider.id(),
                      model));
              return response;
            }

            @Override
            public void onThrowable(Throwable t) {
              out.complete(AttemptResult.failed(FailureClassifier.classify(t, false)));
            }
          });
    } catch (RuntimeException | IOException e) {
      out.complete(AttemptResult.failed(FailureClassifier.classify(e, false)));
    }
    return out;
  }

  /** Classifies a failure that happened around a call (used when the deadline cut it short). */
  public static JobError classify(Throwable t, boolean deadlinePassed) {
    return FailureClassifier.classify(t, deadlinePassed);
  }

  /** Connections the client holds open (active plus idle in the pool). */
  public long openConnections() {
    return http.getClientStats().getTotalConnectionCount();
  }

  private byte[] body(String model, JobRequest job) throws IOException {
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
      g.writeBooleanField("stream", false);
      g.writeEndObject();
    }
    return out.toByteArray();
  }

  private static ProxyServer proxyServer(ProxySettings p) {
    ProxyServer.Builder b =
        new ProxyServer.Builder(p.host(), p.port())
            .setProxyType(
                p.type() == dev.aijobs.worker.config.ConnectionMode.HTTP
                    ? ProxyType.HTTP
                    : ProxyType.SOCKS_V5);
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
