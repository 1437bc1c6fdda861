package dev.cerberus.server.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.ServableModel;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.server.TestInputs;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scanning, version order, lookup errors and reload, on real fixture bundles. */
class ModelRepositoryTest {

  @TempDir Path root;
  private final ExecutorService workers = Executors.newFixedThreadPool(2);
  private ModelRepository repository;

  private ModelRepository open() {
    repository = ModelRepository.open(new ModelRepository.Options(root,
        dir -> ServableModel.load(dir, new GraphOptions("cpu", new int[0])),
        new BatcherSettings(8, TimeUnit.MILLISECONDS.toNanos(1), 64, 16),
        InputLimits.defaults(), workers, 2, (n, v) -> BatchObserver.NONE));
    return repository;
  }

  @AfterEach
  void close() {
    if (repository != null) {
      repository.close();
    }
    workers.shutdownNow();
  }

  @Test
  void versionsOrderNumericallyThenLexically() {
    List<String> versions = Stream.of("10", "9", "2", "1.10", "1.9", "v2", "010", "b", "a")
        .sorted(VersionOrder.OLDEST_FIRST).toList();
    assertThat(versions).containsExactly("1.9", "1.10", "2", "9", "010", "10", "a", "b", "v2");
  }

  @Test
  void aBrokenBundleIsReportedAndNeverServedBesideGoodOnes() throws Exception {
    TestInputs.installFixture("image", root, "shapes", "9");
    TestInputs.installFixture("image", root, "shapes", "10");
    Path bad = TestInputs.installFixture("image", root, "shapes", "11");
    Files.delete(bad.resolve("heads/category/0.weight.npy"));
    Files.createDirectories(root.resolve("shapes/notes")); // no bundle.json: not a version
    ModelRepository repo = open();

    assertThat(repo.failures()).singleElement().satisfies(f -> {
      assertThat(f.version()).isEqualTo("11");
      assertThat(f.error()).contains("0.weight.npy");
    });
    assertThat(repo.versions("shapes")).extracting(ServedModel::version)
        .containsExactly("10", "9");
    assertThat(repo.resolve("shapes", "").version()).isEqualTo("10");
    assertThat(repo.resolve("shapes", "9").version()).isEqualTo("9");
    assertThat(repo.describe()).isEqualTo("shapes[10,9]");
  }

  @Test
  void hiddenStagingFoldersAreNeverTakenForVersionsOrModels() throws Exception {
    TestInputs.installFixture("image", root, "shapes", "1");
    // what BundleWriter.replacing and merge leave while they write: complete-looking bundles
    TestInputs.installFixture("image", root, "shapes", ".2.tmp123");
    TestInputs.installFixture("image", root, ".shapes.merging-1", "1");
    ModelRepository repo = open();
    assertThat(repo.describe()).isEqualTo("shapes[1]");
    assertThat(repo.failures()).isEmpty();
  }

  @Test
  void lookupErrorsSayWhatExists() {
    TestInputs.installFixture("image", root, "shapes", "1");
    ModelRepository repo = open();
    assertNotFound(() -> repo.resolve("shape", ""), Status.Code.NOT_FOUND,
        "model 'shape' is not loaded; loaded models: shapes");
    assertNotFound(() -> repo.resolve("shapes", "3"), Status.Code.NOT_FOUND,
        "model 'shapes' has no version '3'; loaded versions (newest first): 1");
    assertNotFound(() -> repo.resolve("", ""), Status.Code.INVALID_ARGUMENT, "names no model");
  }

  @Test
  void reloadAddsNewVersionsKeepsGoodOnesAndRetiresRemovedOnes() throws Exception {
    TestInputs.installFixture("image", root, "shapes", "1");
    ModelRepository repo = open();
    ServedModel first = repo.resolve("shapes", "");

    TestInputs.installFixture("image", root, "shapes", "2");
    Path broken = TestInputs.installFixture("image", root, "shapes", "3");
    Files.writeString(broken.resolve("bundle.json"), "{ not json");
    assertThat(repo.reload()).extracting(ModelRepository.LoadFailure::version)
        .containsExactly("3");
    assertThat(repo.resolve("shapes", "").version()).isEqualTo("2");
    assertThat(repo.resolve("shapes", "1")).isSameAs(first);

    try (Stream<Path> files = Files.walk(root.resolve("shapes/1"))) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    repo.reload();
    assertThat(repo.versions("shapes")).extracting(ServedModel::version).containsExactly("2");
    // the unchanged broken bundle is still reported, and still not served
    assertThat(repo.failures()).extracting(ModelRepository.LoadFailure::version)
        .containsExactly("3");
    // a retired version serves calls that resolved it before the reload for a grace period
    Thread.sleep(ModelRepository.RETIRE_GRACE.toMillis() + 1_000);
    assertThat(first.isAccepting()).isFalse();
  }

  @Test
  void aFolderThatFailedIsRetriedOnceItsFilesChangeAndNotBefore() throws Exception {
    Path version = TestInputs.installFixture("image", root, "shapes", "1");
    Path weights = version.resolve("heads/category/0.weight.npy");
    byte[] saved = Files.readAllBytes(weights);
    Files.delete(weights); // bundle.json is there, a weight file is not yet: a copy in progress
    ModelRepository repo = open();
    assertThat(repo.failures()).extracting(ModelRepository.LoadFailure::version)
        .containsExactly("1");
    assertThat(repo.reload()).hasSize(1); // unchanged: still refused, not reloaded

    Files.write(weights, saved); // bundle.json untouched; only the missing file appears
    assertThat(repo.reload()).isEmpty();
    assertThat(repo.describe()).isEqualTo("shapes[1]");
  }

  @Test
  void aMissingRootIsAnEmptyRepository() {
    repository = ModelRepository.open(new ModelRepository.Options(root.resolve("nowhere"),
        dir -> { throw new AssertionError("nothing to load"); },
        new BatcherSettings(8, 0, 64, 16), InputLimits.defaults(), workers, 1,
        (n, v) -> BatchObserver.NONE));
    assertThat(repository.all()).isEmpty();
    assertThat(repository.describe()).isEqualTo("(none)");
  }

  private static void assertNotFound(Runnable r, Status.Code code, String message) {
    assertThatThrownBy(r::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).contains(message);
    });
  }
}
