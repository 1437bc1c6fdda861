package dev.cerberus.server.inference;

import dev.cerberus.server.grpc.Echo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Explicit load and unload of models at run time, and the index of what the repository holds
 * (the OIP RepositoryIndex / RepositoryModelLoad / RepositoryModelUnload RPCs and
 * {@code bin/cerberus models}). Names are matched against the folders the repository scan
 * found, never turned into paths, so no request can reach outside the repository.
 */
public final class RepositoryAdmin {

  private static final Logger log = LoggerFactory.getLogger(RepositoryAdmin.class);

  /**
   * @param enabled load/unload allowed (cerberus.repository.admin); the index is always served
   * @param unloadTimeout how long an unload waits for the accepted work of the versions it
   *     takes out (cerberus.repository.unload-timeout-seconds); what is left then is answered
   *     UNAVAILABLE
   */
  public record Settings(boolean enabled, Duration unloadTimeout) {
    public static Settings defaults() {
      return new Settings(true, Duration.ofSeconds(60));
    }
  }

  /** A version's state, as Triton names it. */
  public enum State { READY, UNAVAILABLE, UNLOADING }

  /** One version folder of the repository and its state; reason says why it is not READY. */
  public record Entry(String name, String version, State state, String reason) {}

  /** What an unload took out, and whether their accepted work finished within the timeout. */
  public record Unloaded(List<String> versions, boolean drained) {}

  private final ModelRepository repository;
  private final Settings settings;
  private final Set<ServedModel> unloading = ConcurrentHashMap.newKeySet();

  public RepositoryAdmin(ModelRepository repository, Settings settings) {
    this.repository = repository;
    this.settings = settings;
  }

  /** The repository folder's name (Triton's repository_name). */
  public String repositoryName() {
    Path name = repository.root().toAbsolutePath().normalize().getFileName();
    return name == null ? "" : name.toString();
  }

  /** Every version folder with its state, sorted by name then version folder order. */
  public List<Entry> index(boolean readyOnly) {
    List<Entry> out = new ArrayList<>();
    for (Path dir : repository.versionFolders()) {
      Entry e = entry(dir.getParent().getFileName().toString(), dir.getFileName().toString());
      if (!readyOnly || e.state() == State.READY) {
        out.add(e);
      }
    }
    return out;
  }

  private Entry entry(String name, String version) {
    for (ServedModel m : unloading) {
      if (m.name().equals(name) && m.version().equals(version)) {
        return new Entry(name, version, State.UNLOADING, "finishing its accepted work");
      }
    }
    if (repository.isUnloaded(name, version)) {
      return new Entry(name, version, State.UNAVAILABLE,
          "unloaded (RepositoryModelUnload); RepositoryModelLoad serves it again");
    }
    for (ServedModel m : repository.versions(name)) {
      if (m.version().equals(version)) {
        return m.isAccepting() ? new Entry(name, version, State.READY, "")
            : new Entry(name, version, State.UNAVAILABLE, "draining: the server is shutting down");
      }
    }
    for (ModelRepository.LoadFailure f : repository.failures()) {
      if (f.name().equals(name) && f.version().equals(version)) {
        return new Entry(name, version, State.UNAVAILABLE, reason(f));
      }
    }
    return new Entry(name, version, State.UNAVAILABLE,
        "not loaded yet: the folder appeared after the last repository scan");
  }

  /**
   * Loads a model's version folders (version null) or one of them; versions already loaded
   * keep serving (loaded versions are immutable). Returns the model's loaded versions after.
   * NOT_FOUND when the repository has no such folder; FAILED_PRECONDITION with the reason when
   * a folder fails validation (the versions already loaded keep serving).
   */
  public List<String> load(String name, String version) {
    checkEnabled("RepositoryModelLoad");
    checkName(name);
    List<String> onDisk = foldersOf(name);
    if (onDisk.isEmpty()) {
      throw status(Status.NOT_FOUND, "model '" + Echo.of(name) + "' has no version folder with "
          + "a bundle.json in the model repository; models there: " + modelsOnDisk());
    }
    if (version != null && !onDisk.contains(version)) {
      throw status(Status.NOT_FOUND, "model '" + Echo.of(name) + "' has no version folder '"
          + Echo.of(version) + "' in the model repository; its versions there: " + onDisk);
    }
    List<ModelRepository.LoadFailure> failed = repository.allowAndReload(name, version, onDisk)
        .stream().filter(f -> f.name().equals(name))
        .filter(f -> version == null || f.version().equals(version)).toList();
    List<String> serving = loadedVersions(name);
    if (!failed.isEmpty()) {
      String why = failed.stream().map(f -> "version " + f.version() + ": " + reason(f))
          .collect(Collectors.joining("; "));
      throw status(Status.FAILED_PRECONDITION, "model '" + name + "' did not load: " + why
          + (serving.isEmpty() ? "; no version of it is serving"
              : "; still serving version(s) " + String.join(",", serving)));
    }
    log.info("repository admin: loaded model '{}'{}; serving version(s) {}", name,
        version == null ? "" : " version " + version, serving);
    return serving;
  }

  /**
   * Takes a model (version null) or one version out of service: new calls no longer resolve
   * it, its accepted work finishes (up to the unload timeout), then it closes. NOT_FOUND when
   * it is not loaded.
   */
  public Unloaded unload(String name, String version) throws InterruptedException {
    checkEnabled("RepositoryModelUnload");
    checkName(name);
    List<ServedModel> out = repository.unpublish(name, version);
    if (out.isEmpty()) {
      List<String> loaded = loadedVersions(name);
      String what = version == null ? "model '" + Echo.of(name) + "'"
          : "model '" + Echo.of(name) + "' version '" + Echo.of(version) + "'";
      throw status(Status.NOT_FOUND, what + " is not loaded, so it cannot be unloaded; "
          + (loaded.isEmpty() ? "loaded models: " + loadedModels()
              : "its loaded versions: " + String.join(",", loaded)));
    }
    unloading.addAll(out);
    try {
      // a call that resolved a version just before it was unpublished is still served
      Thread.sleep(ModelRepository.RETIRE_GRACE.toMillis());
      out.forEach(ServedModel::stopAccepting);
      long end = System.nanoTime() + settings.unloadTimeout().toNanos();
      boolean drained = true;
      for (ServedModel m : out) {
        drained &= m.awaitIdle(Duration.ofNanos(Math.max(0, end - System.nanoTime())));
      }
      if (!drained) {
        log.warn("repository admin: unload of '{}' timed out after {} s "
            + "(cerberus.repository.unload-timeout-seconds); unfinished items get UNAVAILABLE",
            name, settings.unloadTimeout().toSeconds());
      }
      out.forEach(ServedModel::close);
      List<String> versions = out.stream().map(ServedModel::version).toList();
      log.info("repository admin: unloaded model '{}' version(s) {}", name, versions);
      return new Unloaded(versions, drained);
    } finally {
      unloading.removeAll(out);
    }
  }

  private void checkEnabled(String rpc) {
    if (!settings.enabled()) {
      throw status(Status.FAILED_PRECONDITION, rpc + " is turned off on this server "
          + "(cerberus.repository.admin=false); models load from the repository folder only");
    }
  }

  private static void checkName(String name) {
    if (name == null || name.isEmpty()) {
      throw status(Status.INVALID_ARGUMENT, "the request names no model (model_name is empty)");
    }
  }

  private List<String> foldersOf(String name) {
    return repository.versionFolders().stream()
        .filter(d -> d.getParent().getFileName().toString().equals(name))
        .map(d -> d.getFileName().toString()).toList();
  }

  private String modelsOnDisk() {
    Set<String> names = new TreeSet<>();
    repository.versionFolders().forEach(d -> names.add(d.getParent().getFileName().toString()));
    return names.isEmpty() ? "(none)" : String.join(", ", names);
  }

  private List<String> loadedVersions(String name) {
    return repository.versions(name).stream().map(ServedModel::version).toList();
  }

  private String loadedModels() {
    Set<String> names = repository.all().keySet();
    return names.isEmpty() ? "(none)" : String.join(", ", names);
  }

  /** A load failure without the server's file paths (clients see it). */
  private static String reason(ModelRepository.LoadFailure f) {
    String shown = f.name() + "/" + f.version();
    return f.error().replace(f.dir().toAbsolutePath().toString(), shown)
        .replace(f.dir().toString(), shown);
  }

  private static StatusRuntimeException status(Status status, String message) {
    return status.withDescription(message).asRuntimeException();
  }
}
