package dev.aijobs.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StandaloneArgsTest {

  @Test
  void defaultsToLoopback8089WithoutLatency() {
    assertThat(StandaloneArgs.parse())
        .isEqualTo(new StandaloneArgs("127.0.0.1", 8089, 0, 0, 0, false, false));
  }

  @Test
  void readsEveryFlag() {
    StandaloneArgs args =
        StandaloneArgs.parse(
            "--port",
            "9000",
            "--host",
            "0.0.0.0",
            "--latency-ms",
            "500",
            "--jitter-ms",
            "100",
            "--io-threads",
            "4",
            "--tls");

    assertThat(args).isEqualTo(new StandaloneArgs("0.0.0.0", 9000, 500, 100, 4, true, false));
  }

  @Test
  void rejectsUnknownFlagsMissingAndBadValues() {
    assertThatThrownBy(() -> StandaloneArgs.parse("--bogus")).hasMessageContaining("--bogus");
    assertThatThrownBy(() -> StandaloneArgs.parse("--port")).hasMessageContaining("--port");
    assertThatThrownBy(() -> StandaloneArgs.parse("--latency-ms", "-1"))
        .hasMessageContaining("--latency-ms");
  }

  @Test
  void helpIsAFlag() {
    assertThat(StandaloneArgs.parse("--help").help()).isTrue();
  }
}
