package dev.cerberus.model.bundle;

import dev.cerberus.model.heads.DenseLayer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A bundle whose manifest and arrays passed {@link BundleReader}'s checks: everything except
 * the backbone itself, which needs the engine (its output width is checked when the graph
 * loads it).
 *
 * @param dir the bundle folder (absolute, normalised)
 * @param manifest the parsed manifest
 * @param headLayers per head, in manifest order, its dense layers
 * @param oodArrays the unknown policy's statistics, keyed by their manifest path
 */
public record Bundle(
    Path dir,
    BundleManifest manifest,
    List<List<DenseLayer>> headLayers,
    Map<String, Npy.Array> oodArrays) {

  /** Width of the features the heads read: {@code feature_size}, doubled with flip features. */
  public int headInputSize() {
    return manifest.backbone().featureSize() * manifest.flip().widthFactor();
  }

  /** A manifest path resolved inside the bundle (already checked by the reader). */
  public Path resolve(String relative) {
    return dir.resolve(relative).normalize();
  }

  /** The decision head: {@code unknown.head}, else the first multiclass head, else the first. */
  public int decisionHeadIndex() {
    return decisionHeadIndex(manifest);
  }

  /** The validated decision order ({@code decision.order} or its default). */
  public List<DecisionStep> decisionOrder() {
    return DecisionCheck.order(manifest);
  }

  static int decisionHeadIndex(BundleManifest m) {
    String named = m.unknown().head();
    if (named != null) return m.headIndex(named);
    for (int i = 0; i < m.heads().size(); i++) {
      if (BundleManifest.HeadSpec.MULTICLASS.equals(m.heads().get(i).kind())) return i;
    }
    return 0;
  }
}
