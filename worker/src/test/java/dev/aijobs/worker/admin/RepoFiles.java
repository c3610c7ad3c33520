package dev.aijobs.worker.admin;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the repository root (the directory holding docker-compose.yml) from a module's tests. */
public final class RepoFiles {
  private RepoFiles() {}

  public static Path root() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.exists(dir.resolve("docker-compose.yml"))
          && Files.isDirectory(dir.resolve("ops"))) {
        return dir;
      }
    }
    throw new IllegalStateException(
        "no docker-compose.yml and ops/ above " + Path.of("").toAbsolutePath());
  }
}
