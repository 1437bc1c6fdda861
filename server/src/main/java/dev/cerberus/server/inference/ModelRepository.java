package dev.cerberus.server.inference;

import dev.cerberus.model.ServableModel;
import dev.cerberus.model.bundle.BundleException;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.server.grpc.Echo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every servable model version under {@code <root>/<name>/<version>/bundle.json}, and the
 * lookup from a request's (name, version) to a {@link ServedModel}.
 *
 * <p>Every valid bundle is loaded; a bundle that fails validation is logged with its error,
 * listed by {@link #failures()}, and never served. A request without a version gets the newest
 * one ({@link VersionOrder}). Versions are immutable once loaded: {@link #reload()} loads new
 * version folders and retires removed ones, and a broken new bundle never replaces a good one.
 * A folder that failed is retried when its files change ({@link FolderFingerprint}), so a copy
 * that was scanned half-way loads once it is complete.
 */
public final class ModelRepository implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ModelRepository.class);
  private static final Comparator<String> NEWEST_FIRST = VersionOrder.OLDEST_FIRST.reversed();
  /**
   * How long a retired version still accepts calls that resolved it before it was unpublished
   * (resolve and classify are microseconds apart; a second covers any scheduling pause).
   */
  static final Duration RETIRE_GRACE = Duration.ofSeconds(1);

  /** Turns a bundle folder into a loaded model (normally {@code ServableModel::load}). */
  @FunctionalInterface
  public interface Loader {
    ServableModel load(Path bundleDir) throws BundleException;
  }

  /** Makes the metrics observer of one model version. */
  @FunctionalInterface
  public interface ObserverFactory {
    BatchObserver forVersion(String name, String version);
  }

  /**
   * How every version of this repository is served.
   *
   * @param decoder the fair preprocessing scheduler every version shares
   * @param admission overload admission knobs every version uses
   */
  public record Options(
      Path root,
      Loader loader,
      BatcherSettings batcher,
      InputLimits limits,
      Executor workers,
      int preprocessParallelism,
      ObserverFactory observers,
      DecodeScheduler decoder,
      AdmissionSettings admission) {

    /** Default decode scheduling over {@code workers} and default admission (tests). */
    public Options(Path root, Loader loader, BatcherSettings batcher, InputLimits limits,
        Executor workers, int preprocessParallelism, ObserverFactory observers) {
      this(root, loader, batcher, limits, workers, preprocessParallelism, observers,
          new DecodeScheduler(workers, DecodeScheduler.Settings.defaults(preprocessParallelism)),
          AdmissionSettings.defaults());
    }
  }

  /** A bundle folder that did not load, and why. */
  public record LoadFailure(String name, String version, Path dir, String error) {}

  private final Options options;
  /** name -> versions newest first; replaced as a whole, read without locks. */
  private volatile Map<String, List<ServedModel>> models = Map.of();
  private volatile List<LoadFailure> failures = List.of();
  /** Failed bundle folders and what they held when they failed: retried once that changes. */
  private final Map<Path, Rejected> rejected = new java.util.HashMap<>();
  /** What RepositoryModelUnload took out: the scan skips it until RepositoryModelLoad. */
  private final UnloadMarks unloaded = new UnloadMarks();

  /** A folder that failed to load, with the files it failed with. */
  private record Rejected(LoadFailure failure, FolderFingerprint fingerprint) {}

  private ModelRepository(Options options) {
    this.options = options;
  }

  /** Scans the root and loads every valid bundle. A missing root is an empty repository. */
  public static ModelRepository open(Options options) {
    ModelRepository repository = new ModelRepository(options);
    repository.reload();
    return repository;
  }

  /**
   * Rescans the root: loads version folders not yet loaded, retires loaded versions whose
   * folder disappeared (they finish their queued work first). Returns the failures of this scan.
   */
  public synchronized List<LoadFailure> reload() {
    Map<String, List<ServedModel>> current = models;
    Map<String, Map<String, ServedModel>> next = new TreeMap<>();
    List<LoadFailure> failed = new ArrayList<>();
    Set<ServedModel> kept = new HashSet<>();
    for (Path versionDir : scan(options.root())) {
      String name = versionDir.getParent().getFileName().toString();
      String version = versionDir.getFileName().toString();
      if (unloaded.isUnloaded(name, version)) {
        continue;
      }
      ServedModel existing = find(current, name, version);
      if (existing != null) {
        next.computeIfAbsent(name, k -> new TreeMap<>(NEWEST_FIRST)).put(version, existing);
        kept.add(existing);
        continue;
      }
      FolderFingerprint fingerprint = FolderFingerprint.of(versionDir);
      Rejected known = rejected.get(versionDir);
      if (known != null && known.fingerprint().equals(fingerprint)) {
        failed.add(known.failure()); // unchanged since it failed: do not log it every poll
        continue;
      }
      try {
        ServableModel model = options.loader().load(versionDir);
        String declared = model.manifest().name();
        if (declared != null && !declared.equals(name)) {
          log.warn("{}: bundle.json says name '{}'; serving it as '{}' (the folder name)",
              versionDir, declared, name);
        }
        ServedModel served = new ServedModel(name, version, model, options.batcher(),
            options.limits(), options.workers(), options.decoder(), options.admission(),
            options.observers().forVersion(name, version));
        next.computeIfAbsent(name, k -> new TreeMap<>(NEWEST_FIRST)).put(version, served);
        log.info("loaded model '{}' version {} from {}", name, version, versionDir);
        rejected.remove(versionDir);
      } catch (BundleException | RuntimeException e) {
        String error = oneLine(e);
        log.error("not serving {}: {}", versionDir, error);
        LoadFailure failure = new LoadFailure(name, version, versionDir, error);
        failed.add(failure);
        rejected.put(versionDir, new Rejected(failure, fingerprint));
      }
    }
    rejected.keySet().removeIf(dir -> !Files.isDirectory(dir));
    Map<String, List<ServedModel>> published = new LinkedHashMap<>();
    next.forEach((name, versions) -> published.put(name, List.copyOf(versions.values())));
    models = Map.copyOf(published);
    failures = List.copyOf(failed);
    current.values().stream().flatMap(List::stream).filter(m -> !kept.contains(m))
        .forEach(this::retire);
    return failures;
  }

  /**
   * Retires a version that is no longer published. A call that resolved it just before the new
   * map was published may still be on its way to {@code classify}: the version keeps accepting
   * for {@link #RETIRE_GRACE} so such a call is served rather than refused, then refuses new
   * work, finishes what it accepted and closes.
   */
  private void retire(ServedModel model) {
    log.info("retiring model '{}' version {}: its folder is gone", model.name(), model.version());
    Thread retirer = new Thread(() -> {
      try {
        Thread.sleep(RETIRE_GRACE.toMillis());
        model.stopAccepting();
        model.awaitIdle(Duration.ofMinutes(1));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      model.close();
    }, "cerberus-retire-" + model.name() + "-" + model.version());
    retirer.setDaemon(true);
    retirer.start();
  }

  /**
   * A load failure as one log line: engine errors (libtorch's among them) carry multi-line
   * messages with native stack traces, which would bury the one fact an operator needs.
   */
  static String oneLine(Exception e) {
    String message = e.getMessage();
    if (message == null || message.isBlank()) {
      return "cannot load the bundle (" + e.getClass().getSimpleName() + ")";
    }
    String first = message.strip().lines().findFirst().orElse("").strip();
    return first.length() > 500 ? first.substring(0, 500) + "..." : first;
  }

  private static boolean visibleDir(Path p) {
    return Files.isDirectory(p) && !p.getFileName().toString().startsWith(".");
  }

  private static ServedModel find(Map<String, List<ServedModel>> in, String name, String version) {
    for (ServedModel m : in.getOrDefault(name, List.of())) {
      if (m.version().equals(version)) {
        return m;
      }
    }
    return null;
  }

  /**
   * {@code <root>/<name>/<version>/} folders that hold a bundle.json, in a stable order. Names
   * starting with '.' are skipped: writers (the trainer, merge, a careful copy) stage a bundle
   * in a hidden sibling folder and rename it into place, and a half-written stage must never be
   * taken for a version.
   */
  private static List<Path> scan(Path root) {
    if (!Files.isDirectory(root)) {
      log.warn("model repository {} does not exist; serving no models", root.toAbsolutePath());
      return List.of();
    }
    try (Stream<Path> names = Files.list(root)) {
      List<Path> out = new ArrayList<>();
      for (Path nameDir : names.filter(ModelRepository::visibleDir).sorted().toList()) {
        try (Stream<Path> versions = Files.list(nameDir)) {
          versions.filter(ModelRepository::visibleDir)
              .filter(v -> Files.isRegularFile(v.resolve("bundle.json"))).sorted()
              .forEach(out::add);
        }
      }
      return out;
    } catch (IOException e) {
      log.error("cannot scan model repository {}: {}", root, e.toString());
      return List.of();
    }
  }

  /**
   * The version that answers a request: the named one, or the newest when {@code version} is
   * null or empty. Throws NOT_FOUND naming what exists, INVALID_ARGUMENT for an empty name.
   */
  public ServedModel resolve(String name, String version) {
    Map<String, List<ServedModel>> snapshot = models;
    if (name == null || name.isEmpty()) {
      throw notFound(Status.INVALID_ARGUMENT, "the request names no model; loaded models: "
          + names(snapshot));
    }
    List<ServedModel> versions = snapshot.get(name);
    if (versions == null) {
      throw notFound(Status.NOT_FOUND, "model '" + Echo.of(name) + "' is not loaded; loaded models: "
          + names(snapshot));
    }
    if (version == null || version.isEmpty()) {
      return versions.get(0);
    }
    for (ServedModel m : versions) {
      if (m.version().equals(version)) {
        return m;
      }
    }
    throw notFound(Status.NOT_FOUND, "model '" + Echo.of(name) + "' has no version '" + Echo.of(version)
        + "'; loaded versions (newest first): " + versionList(versions));
  }

  /** The repository's root folder. */
  public Path root() {
    return options.root();
  }

  /** Every {@code <name>/<version>/} folder holding a bundle.json, loaded or not. */
  public List<Path> versionFolders() {
    return scan(options.root());
  }

  /** True when RepositoryModelUnload took this version out (until it is loaded again). */
  public boolean isUnloaded(String name, String version) {
    return unloaded.isUnloaded(name, version);
  }

  /**
   * Takes a model (version null) or one version out of service: the scan skips it from now on
   * and it is no longer resolved. Returns the versions taken out, which still hold their
   * accepted work: the caller drains and closes them. Empty when none was loaded.
   */
  public synchronized List<ServedModel> unpublish(String name, String version) {
    List<ServedModel> out = versions(name).stream()
        .filter(m -> version == null || m.version().equals(version)).toList();
    if (out.isEmpty()) {
      return out;
    }
    unloaded.unload(name, version);
    Map<String, List<ServedModel>> next = new LinkedHashMap<>(models);
    List<ServedModel> left = next.get(name).stream().filter(m -> !out.contains(m)).toList();
    if (left.isEmpty()) {
      next.remove(name);
    } else {
      next.put(name, left);
    }
    models = Map.copyOf(next);
    return out;
  }

  /**
   * Lets a model (version null) or one version be loaded again, then rescans. Returns the
   * failures of that scan.
   *
   * @param onDisk the model's version folders now
   */
  public synchronized List<LoadFailure> allowAndReload(String name, String version,
      List<String> onDisk) {
    unloaded.load(name, version, onDisk);
    return reload();
  }

  /** Loaded versions of one model, newest first; empty when none. */
  public List<ServedModel> versions(String name) {
    return models.getOrDefault(name, List.of());
  }

  /** Every loaded model name -> its versions newest first, sorted by name. */
  public Map<String, List<ServedModel>> all() {
    return new TreeMap<>(models);
  }

  /** Bundles of the last scan that failed to load. */
  public List<LoadFailure> failures() {
    return failures;
  }

  /** "fashion[2,1], text[1]" for logs. */
  public String describe() {
    Map<String, List<ServedModel>> snapshot = all();
    if (snapshot.isEmpty()) {
      return "(none)";
    }
    return snapshot.entrySet().stream()
        .map(e -> e.getKey() + "[" + versionList(e.getValue()) + "]")
        .collect(Collectors.joining(", "));
  }

  /**
   * Draining: every version refuses new calls, then queued and running work finishes, up to
   * the timeout in total. Returns true when everything finished in time.
   */
  public boolean drain(Duration timeout) throws InterruptedException {
    List<ServedModel> every = models.values().stream().flatMap(List::stream).toList();
    every.forEach(ServedModel::stopAccepting);
    long end = System.nanoTime() + timeout.toNanos();
    boolean idle = true;
    for (ServedModel m : every) {
      Duration left = Duration.ofNanos(Math.max(0, end - System.nanoTime()));
      idle &= m.awaitIdle(left);
    }
    return idle;
  }

  /** Items admitted and not yet answered, over every loaded version (for the shutdown log). */
  public int pendingItems() {
    return models.values().stream().flatMap(List::stream)
        .mapToInt(m -> m.stats().queueDepth()).sum();
  }

  /** Closes every version (unfinished items are answered UNAVAILABLE). */
  @Override
  public synchronized void close() {
    models.values().stream().flatMap(List::stream).forEach(ServedModel::close);
    models = Map.of();
  }

  private static String names(Map<String, List<ServedModel>> snapshot) {
    return snapshot.isEmpty() ? "(none)" : String.join(", ", new TreeMap<>(snapshot).keySet());
  }

  private static String versionList(List<ServedModel> versions) {
    return versions.stream().map(ServedModel::version).collect(Collectors.joining(","));
  }

  private static StatusRuntimeException notFound(Status status, String message) {
    return status.withDescription(message).asRuntimeException();
  }
}
