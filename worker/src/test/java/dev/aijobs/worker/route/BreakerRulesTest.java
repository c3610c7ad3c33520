package dev.aijobs.worker.route;

import static dev.aijobs.worker.route.BreakerRules.Effect.FAILURE;
import static dev.aijobs.worker.route.BreakerRules.Effect.RELEASE;
import static dev.aijobs.worker.route.BreakerRules.Effect.SUCCESS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aijobs.protocol.ErrorCode;
import dev.aijobs.worker.route.BreakerRules.Effect;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What each attempt outcome does to the deployment's breaker and to the breaker of the proxy
 * endpoint it went through. Outcomes come as the attempt path produces them: an HTTP-level answer
 * or error has no {@link FailureKind}; a transport failure carries its kind and the kind's code.
 */
class BreakerRulesTest {

  /** One outcome and its effects. */
  private record Row(
      String name, ErrorCode code, FailureKind kind, Effect deployment, Effect proxy) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static Row answer(String name, ErrorCode code, Effect deployment, Effect proxy) {
    return new Row(name, code, null, deployment, proxy);
  }

  private static Row transport(FailureKind kind, Effect deployment, Effect proxy) {
    return new Row(
        kind.name().toLowerCase(Locale.ROOT) + " (" + kind.code().wireName() + ")",
        kind.code(),
        kind,
        deployment,
        proxy);
  }

  private static final List<Row> ROWS =
      List.of(
          // An answer: healthy deployment, working proxy.
          answer("answered", null, SUCCESS, SUCCESS),
          // HTTP-level errors (no kind): the answer came through the proxy.
          answer("5xx/408/409 upstream_error", ErrorCode.UPSTREAM_ERROR, FAILURE, SUCCESS),
          answer("stream without finish_reason", ErrorCode.TRUNCATED_STREAM, FAILURE, SUCCESS),
          answer("malformed answer", ErrorCode.MALFORMED_RESPONSE, FAILURE, SUCCESS),
          answer("401/403 auth_failed", ErrorCode.AUTH_FAILED, SUCCESS, SUCCESS),
          answer("402 insufficient_credits", ErrorCode.INSUFFICIENT_CREDITS, SUCCESS, SUCCESS),
          answer("400 context length", ErrorCode.CONTEXT_LENGTH_EXCEEDED, SUCCESS, SUCCESS),
          answer("400 content filter", ErrorCode.CONTENT_FILTERED, SUCCESS, SUCCESS),
          answer("other 4xx bad_request", ErrorCode.BAD_REQUEST, SUCCESS, SUCCESS),
          answer("invalid_job", ErrorCode.INVALID_JOB, SUCCESS, SUCCESS),
          answer("unknown_provider", ErrorCode.UNKNOWN_PROVIDER, SUCCESS, SUCCESS),
          answer("429 rate_limited: back-pressure", ErrorCode.RATE_LIMITED, RELEASE, SUCCESS),
          answer("deadline_exceeded", ErrorCode.DEADLINE_EXCEEDED, RELEASE, RELEASE),
          answer("internal (worker error)", ErrorCode.INTERNAL, RELEASE, RELEASE),
          // Proxy-layer failures: the proxy's fault, not the deployment's.
          transport(FailureKind.PROXY_UNREACHABLE, RELEASE, FAILURE),
          transport(FailureKind.PROXY_HANDSHAKE, RELEASE, FAILURE),
          transport(FailureKind.PROXY_DNS, RELEASE, FAILURE),
          // Provider-side transport failures; through a proxy the tunnel was up: fault unknown.
          transport(FailureKind.CONNECT_FAILED, FAILURE, RELEASE),
          transport(FailureKind.DNS_FAILED, FAILURE, RELEASE),
          transport(FailureKind.TLS_FAILED, FAILURE, RELEASE),
          transport(FailureKind.CLOSED_BEFORE_RESPONSE, FAILURE, RELEASE),
          transport(FailureKind.CUT_MID_RESPONSE, FAILURE, RELEASE),
          transport(FailureKind.SILENT_TIMEOUT, FAILURE, RELEASE),
          transport(FailureKind.IDLE_TIMEOUT, FAILURE, RELEASE),
          // Local outcomes say nothing about anyone.
          transport(FailureKind.DEADLINE, RELEASE, RELEASE),
          transport(FailureKind.LOCAL, RELEASE, RELEASE),
          // A stream cut or stalled, reported as a truncated stream.
          new Row(
              "cut_mid_response as truncated_stream",
              ErrorCode.TRUNCATED_STREAM,
              FailureKind.CUT_MID_RESPONSE,
              FAILURE,
              RELEASE),
          new Row(
              "idle_timeout as truncated_stream",
              ErrorCode.TRUNCATED_STREAM,
              FailureKind.IDLE_TIMEOUT,
              FAILURE,
              RELEASE));

  static Stream<Arguments> rows() {
    return ROWS.stream().map(r -> Arguments.of(Named.of(r.name(), r)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void deploymentBreaker(Row row) {
    assertThat(BreakerRules.deployment(row.code(), row.kind())).isEqualTo(row.deployment());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void proxyBreaker(Row row) {
    assertThat(BreakerRules.proxy(row.code(), row.kind())).isEqualTo(row.proxy());
  }

  @Test
  void tableCoversEveryErrorCodeAndEveryFailureKind() {
    Set<ErrorCode> codes =
        ROWS.stream()
            .map(Row::code)
            .filter(c -> c != null)
            .collect(Collectors.toCollection(() -> EnumSet.noneOf(ErrorCode.class)));
    Set<FailureKind> kinds =
        ROWS.stream()
            .map(Row::kind)
            .filter(k -> k != null)
            .collect(Collectors.toCollection(() -> EnumSet.noneOf(FailureKind.class)));
    assertThat(codes).containsExactlyInAnyOrder(ErrorCode.values());
    assertThat(kinds).containsExactlyInAnyOrder(FailureKind.values());
  }

  @Test
  void deploymentRuleGoesByTheCodeWhenThereIsNoKind() {
    assertThat(BreakerRules.deployment(ErrorCode.TIMEOUT, null)).isEqualTo(FAILURE);
    assertThat(BreakerRules.deployment(ErrorCode.CONNECT_FAILED, null)).isEqualTo(FAILURE);
    assertThat(BreakerRules.deployment(ErrorCode.PROXY_UNAVAILABLE, null)).isEqualTo(RELEASE);
  }

  @Test
  void everyProxyFaultCountsOnTheProxyAndNeverOnTheDeployment() {
    for (FailureKind kind : FailureKind.values()) {
      if (kind.isProxyFault()) {
        assertThat(BreakerRules.deployment(kind.code(), kind)).as(kind.name()).isEqualTo(RELEASE);
        assertThat(BreakerRules.proxy(kind.code(), kind)).as(kind.name()).isEqualTo(FAILURE);
      } else {
        assertThat(BreakerRules.proxy(kind.code(), kind)).as(kind.name()).isNotEqualTo(FAILURE);
      }
    }
  }
}
