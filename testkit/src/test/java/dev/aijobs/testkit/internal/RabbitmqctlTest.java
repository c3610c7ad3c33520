package dev.aijobs.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RabbitmqctlTest {

  @TempDir Path dir;

  @Test
  void prefersAnExecutableOnThePath() throws IOException {
    Path fake = Files.createFile(dir.resolve("rabbitmqctl"));
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));

    assertThat(Rabbitmqctl.locate("/nonexistent" + File.pathSeparator + dir)).hasValue(fake);
  }

  @Test
  void fallsBackToUsrSbinOnlyWhenItExists() {
    assertThat(Rabbitmqctl.locate(null))
        .isEqualTo(
            Files.isExecutable(Rabbitmqctl.FALLBACK)
                ? Optional.of(Rabbitmqctl.FALLBACK)
                : Optional.empty());
  }
}
