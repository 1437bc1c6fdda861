package dev.cerberus.bench;

import dev.cerberus.proto.oip.GRPCInferenceServiceGrpc;
import dev.cerberus.proto.oip.ModelReadyRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The soak's own copy of the model repository, and the hot reloads: a new version is copied to
 * a staging folder beside the repository and renamed into it (the atomic way docs/settings.md
 * describes), the server picks it up on its next scan; once it is ready the oldest version is
 * moved out and deleted, so requests without a version move to the new one under load.
 */
final class SoakVersions {

  private static final long READY_WAIT_S = 120;

  private final Path repository;
  private final Path modelDir;
  private final Path staging;
  private final String model;
  private int oldest;
  private int newest;
  final List<Double> secondsToReady = new ArrayList<>();
  int failed;

  private SoakVersions(Path repository, String model, Path staging) {
    this.repository = repository;
    this.model = model;
    this.modelDir = repository.resolve(model);
    this.staging = staging;
  }

  /** Copies the newest numeric version of {@code source} (a model folder) as version 1. */
  static SoakVersions copy(Path source, Path work, String model) throws IOException {
    Path newestSource;
    try (Stream<Path> s = Files.list(source)) {
      newestSource = s.filter(p -> p.getFileName().toString().matches("\\d+"))
          .max(Comparator.comparingLong(p -> Long.parseLong(p.getFileName().toString())))
          .orElseThrow(() -> new IOException(source + " has no numeric version folder"));
    }
    SoakVersions v = new SoakVersions(work.resolve("repo"), model, work.resolve("staging"));
    Files.createDirectories(v.modelDir);
    Files.createDirectories(v.staging);
    copyTree(newestSource, v.modelDir.resolve("1"));
    v.oldest = 1;
    v.newest = 1;
    return v;
  }

  Path repository() {
    return repository;
  }

  Path newestDir() {
    return modelDir.resolve(Integer.toString(newest));
  }

  int newest() {
    return newest;
  }

  int swaps() {
    return newest - 1;
  }

  /** Adds version newest+1, waits until it is ready, then removes the oldest version. */
  void swap(ManagedChannel ch, SoakTally tally) throws IOException, InterruptedException {
    int next = newest + 1;
    Path staged = staging.resolve(Integer.toString(next));
    copyTree(newestDir(), staged);
    long t0 = System.nanoTime();
    Files.move(staged, modelDir.resolve(Integer.toString(next)), StandardCopyOption.ATOMIC_MOVE);
    newest = next;
    if (!awaitReady(ch, next)) {
      failed++;
      tally.outcome("reload: version not ready within " + READY_WAIT_S + " s", false, "version " + next);
      return;
    }
    secondsToReady.add((System.nanoTime() - t0) / 1e9);
    tally.outcome("reload: new version ready", true, null);
    Path old = staging.resolve("retired-" + oldest);
    Files.move(modelDir.resolve(Integer.toString(oldest)), old, StandardCopyOption.ATOMIC_MOVE);
    oldest++;
    deleteTree(old);
  }

  private boolean awaitReady(ManagedChannel ch, int version) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_WAIT_S);
    while (System.nanoTime() < deadline) {
      try {
        if (GRPCInferenceServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
            .modelReady(ModelReadyRequest.newBuilder().setName(model).setVersion(Integer.toString(version)).build())
            .getReady()) {
          return true;
        }
      } catch (StatusRuntimeException e) {
        // not loaded yet: NOT_FOUND until the scan sees it
      }
      Thread.sleep(200);
    }
    return false;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) Files.createDirectories(target);
        else Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }
}
