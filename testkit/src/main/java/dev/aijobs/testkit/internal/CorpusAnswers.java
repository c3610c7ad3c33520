package dev.aijobs.testkit.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Recorded answers of real provider families (OpenAI, OpenRouter, DeepSeek, Qwen/DashScope, Ollama,
 * vLLM, SGLang-style gateways, Mistral-style content parts), served verbatim by the {@code
 * mock:corpus=NAME} directive: {@code corpus/NAME.json} as a 200 JSON body for a plain request,
 * {@code corpus/NAME.sse} as a 200 event stream for a streamed one. A stream file is sent as it is,
 * comments and all; the response then ends (so a file without {@code [DONE]} is a stream that ends
 * without it). Each pair holds the same answer, plain and streamed.
 */
public final class CorpusAnswers {
  private static final String DIR = "/dev/aijobs/testkit/corpus/";
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");

  private CorpusAnswers() {}

  /** Checks a {@code corpus} directive's value: a known name. */
  static String checkName(String segment, String name) {
    if (!NAME.matcher(name).matches()
        || CorpusAnswers.class.getResource(DIR + name + ".json") == null) {
      throw new InvalidRequestException(
          "mock directive '" + segment + "': no recorded answer named '" + name + "'");
    }
    return name;
  }

  /** The recorded answer's bytes: the plain body or the event stream. */
  public static byte[] bytes(String name, boolean stream) {
    String file = DIR + name + (stream ? ".sse" : ".json");
    try (InputStream in = CorpusAnswers.class.getResourceAsStream(file)) {
      if (in == null) {
        throw new IllegalArgumentException("no recorded answer " + file);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ResponseWriter writer(String name, boolean stream) {
    byte[] body = bytes(name, stream);
    if (!stream) {
      return new JsonResponseWriter(200, body, Map.of());
    }
    return ctx -> {
      HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      head.headers()
          .set(HttpHeaderNames.CONTENT_TYPE, SseResponseWriter.EVENT_STREAM)
          .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
      HttpUtil.setTransferEncodingChunked(head, true);
      ctx.write(head);
      ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(body)));
      ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
          .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    };
  }
}
