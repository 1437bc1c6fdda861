package dev.cerberus.trainer.config;

import java.nio.file.Path;

/** A validated config plus where it came from; relative paths resolve against {@code base}. */
public record LoadedConfig(Path file, Path base, TrainerConfig config) {
  public Path resolve(String p) {
    return base.resolve(p).normalize();
  }
}
