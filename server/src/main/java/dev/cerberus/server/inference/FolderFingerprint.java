package dev.cerberus.server.inference;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a version folder held when it was scanned: every regular file's relative path, size and
 * modification time. A bundle that failed to load is retried when its fingerprint changes, so a
 * folder copied in non-atomically (bundle.json first, weights later) loads once the copy
 * completes, while an unchanged broken folder is neither reloaded nor logged again every scan.
 */
record FolderFingerprint(List<Entry> files) {

  /** One file of the folder. */
  record Entry(String path, long size, long modifiedMillis) {}

  /** The fingerprint of {@code dir} now; an unreadable folder has an empty one. */
  static FolderFingerprint of(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      return new FolderFingerprint(walk.filter(Files::isRegularFile).sorted()
          .map(p -> entry(dir, p)).toList());
    } catch (IOException | java.io.UncheckedIOException e) {
      return new FolderFingerprint(List.of()); // vanishing mid-copy: the next scan sees it again
    }
  }

  private static Entry entry(Path dir, Path file) {
    try {
      return new Entry(dir.relativize(file).toString(), Files.size(file),
          Files.getLastModifiedTime(file).toMillis());
    } catch (IOException e) {
      return new Entry(dir.relativize(file).toString(), -1, -1);
    }
  }
}
