package dev.cerberus.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The repository root, so `bin/cerberus bench` works from any folder: -Dcerberus.repo.root, else
 * the folder holding bench/target/cerberus-bench.jar two levels up, else the working directory.
 * Relative default paths (server/target/..., models/..., bench/...) resolve against it when
 * they do not exist relative to the working directory.
 */
final class Root {

  private Root() {}

  static Path root() {
    String p = System.getProperty("cerberus.repo.root");
    if (p != null) return Path.of(p);
    try {
      Path jar = Path.of(Root.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path candidate = jar.getParent().getParent().getParent(); // bench/target/x.jar or bench/target/classes
      if (Files.exists(candidate.resolve("bench/pom.xml"))) return candidate;
    } catch (Exception ignored) {
      // fall through
    }
    return Path.of("").toAbsolutePath();
  }

  static Path resolve(Path p) {
    if (p == null || p.isAbsolute() || Files.exists(p)) return p;
    return root().resolve(p);
  }

  static String resolve(String p) {
    return resolve(Path.of(p)).toString();
  }
}
