package dev.cerberus.server.inference;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Models and versions unloaded through the repository admin API (RepositoryModelUnload): the
 * repository scan skips them, so a reload or the periodic rescan does not bring them back; only
 * RepositoryModelLoad does. Held in memory: a restarted server loads every valid folder again.
 */
final class UnloadMarks {

  /** "name" (every version) or "name/version". */
  private final Set<String> marks = ConcurrentHashMap.newKeySet();

  boolean isUnloaded(String name, String version) {
    return marks.contains(name) || marks.contains(name + "/" + version);
  }

  /** @param version null = every version of the model */
  void unload(String name, String version) {
    if (version == null) {
      marks.removeIf(m -> m.startsWith(name + "/"));
      marks.add(name);
    } else {
      marks.add(name + "/" + version);
    }
  }

  /**
   * Clears the marks that keep {@code version} (null: every version) of {@code name} out. When
   * the whole model was unloaded and one version is loaded, the model's other folders stay out.
   *
   * @param onDisk the model's version folders now
   */
  void load(String name, String version, Collection<String> onDisk) {
    if (version == null) {
      marks.removeIf(m -> m.equals(name) || m.startsWith(name + "/"));
      return;
    }
    if (marks.remove(name)) {
      onDisk.stream().filter(v -> !v.equals(version)).forEach(v -> marks.add(name + "/" + v));
    }
    marks.remove(name + "/" + version);
  }
}
