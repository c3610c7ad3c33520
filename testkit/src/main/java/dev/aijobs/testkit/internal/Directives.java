package dev.aijobs.testkit.internal;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Per-request behaviour of the mock upstream, read from {@code mock:key=value} segments of the
 * model name. Segments are separated by {@code ;} or {@code ,} and may appear anywhere in the
 * model, e.g. {@code "gpt-x;mock:status=500;mock:times=1"}. Carrying the behaviour in the model
 * keeps it working when the mock runs as a separate process.
 *
 * <p>Keys: {@code status=N} (200..599), {@code latency=MS}, {@code retry-after=S}, {@code
 * retry-after-ms=MS}, {@code error=CODE} (implies status 400 unless a status is given), {@code
 * times=N} (the directives apply to the first N requests with this exact model string only), {@code
 * for=MS} (they apply to requests with this exact model string that arrive within MS of its first
 * one), {@code max-concurrent=N} (a request arriving while N requests with this exact model string
 * are being answered gets 429 at once; unlike the others it holds whatever {@code times} and {@code
 * for} say: it is the provider's capacity, not a passing behaviour), and for streams {@code
 * tokens=N}, {@code token-interval=MS}, {@code first-token=MS}, {@code comments=N}; {@code
 * fault=NAME} (see {@link Fault}) with {@code fault-after=N} (content events sent before a
 * mid-stream fault); {@code reject-key=KEY} answers 401 to a request whose bearer token is KEY (for
 * key-pool tests). When a key repeats, the last value wins.
 *
 * @param status the HTTP status to answer, when not the default
 * @param latency the latency overriding the server's configured latency and jitter
 * @param retryAfterSeconds value of a {@code Retry-After} header to add
 * @param retryAfterMillis value of a {@code retry-after-ms} header to add
 * @param error the OpenAI-style error {@code code} to report
 * @param times how many requests of this model the directives apply to; empty means all
 * @param window how long after the first request of this model the directives apply ({@code
 *     for=MS}); empty means for ever
 * @param maxConcurrent how many requests of this model may be answered at once; empty means any
 * @param tokens stream N tokens {@code "t0 t1 ..."} instead of the echo
 * @param tokenInterval delay between stream events
 * @param firstToken delay between the response head and the first data event
 * @param comments SSE comment lines sent, evenly spaced, while waiting for the first data event
 * @param fault the failure to inject
 * @param faultAfter content events sent before a mid-stream fault
 * @param rejectKey an API key answered with 401
 * @param corpus a recorded provider answer to serve verbatim ({@code corpus/NAME.json}, or {@code
 *     corpus/NAME.sse} for a streamed request; see {@link CorpusAnswers})
 */
public record Directives(
    OptionalInt status,
    Optional<Duration> latency,
    OptionalLong retryAfterSeconds,
    OptionalLong retryAfterMillis,
    Optional<String> error,
    OptionalInt times,
    Optional<Duration> window,
    OptionalInt maxConcurrent,
    OptionalInt tokens,
    Optional<Duration> tokenInterval,
    Optional<Duration> firstToken,
    OptionalInt comments,
    Optional<Fault> fault,
    OptionalInt faultAfter,
    Optional<String> rejectKey,
    Optional<String> corpus) {

  /** The prefix marking a directive segment. */
  public static final String PREFIX = "mock:";

  /** No directives: a plain successful completion. */
  public static final Directives NONE =
      new Directives(
          OptionalInt.empty(),
          Optional.empty(),
          OptionalLong.empty(),
          OptionalLong.empty(),
          Optional.empty(),
          OptionalInt.empty(),
          Optional.empty(),
          OptionalInt.empty(),
          OptionalInt.empty(),
          Optional.empty(),
          Optional.empty(),
          OptionalInt.empty(),
          Optional.empty(),
          OptionalInt.empty(),
          Optional.empty(),
          Optional.empty());

  /** Content events sent before a mid-stream fault when {@code fault-after} is not given. */
  public static final int DEFAULT_FAULT_AFTER = 2;

  private static final Pattern SEPARATORS = Pattern.compile("[;,]");

  /**
   * Reads the directives of a model name.
   *
   * @param model the model as sent by the client
   * @return the directives, {@link #NONE} when the model has none
   * @throws InvalidRequestException naming the offending segment when a directive is malformed or
   *     unknown
   */
  public static Directives parse(String model) {
    DirectivesBuilder builder = new DirectivesBuilder();
    for (String segment : SEPARATORS.split(model)) {
      String trimmed = segment.trim();
      if (trimmed.startsWith(PREFIX)) {
        builder.apply(trimmed);
      }
    }
    return builder.build();
  }

  /**
   * Whether these directives govern the {@code nth} request (1-based) with this model string.
   *
   * @param nth the request's number among requests with the same model string
   * @return true unless {@code times} is set and already used up
   */
  public boolean appliesTo(long nth) {
    return appliesTo(nth, Duration.ZERO);
  }

  /**
   * Whether these directives govern the {@code nth} request (1-based) with this model string,
   * arriving {@code sinceFirst} after the first one.
   *
   * @param nth the request's number among requests with the same model string
   * @param sinceFirst the time since the first request with the same model string arrived
   * @return true unless {@code times} is used up or the {@code for} window is over
   */
  public boolean appliesTo(long nth, Duration sinceFirst) {
    return (times.isEmpty() || nth <= times.getAsInt())
        && (window.isEmpty() || sinceFirst.compareTo(window.get()) < 0);
  }

  /**
   * How many requests with this model string may be answered at once.
   *
   * @return the {@code max-concurrent} directive, else {@link Integer#MAX_VALUE}
   */
  public int concurrencyLimit() {
    return maxConcurrent.orElse(Integer.MAX_VALUE);
  }

  /**
   * The HTTP status to answer.
   *
   * @return the {@code status} directive, else 400 when an {@code error} is given, else 200
   */
  public int effectiveStatus() {
    if (status.isPresent()) {
      return status.getAsInt();
    }
    return error.isPresent() ? 400 : 200;
  }

  /** Returns the content events to send before a mid-stream fault. */
  public int effectiveFaultAfter() {
    return faultAfter.orElse(DEFAULT_FAULT_AFTER);
  }
}
