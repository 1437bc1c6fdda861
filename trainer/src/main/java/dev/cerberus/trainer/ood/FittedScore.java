package dev.cerberus.trainer.ood;

import dev.cerberus.model.bundle.BundleManifest.UnknownPolicy;
import dev.cerberus.model.bundle.Npy;
import dev.cerberus.model.ood.OodScorer;
import java.util.Map;

/**
 * One fitted OOD method: the model module's scorer (the server's exact math), the policy to
 * write into bundle.json (threshold filled by calibration) and the statistics files it names.
 */
public record FittedScore(String method, OodScorer scorer, UnknownPolicy policy,
    Map<String, Npy.Array> files) {
  public FittedScore {
    files = Map.copyOf(files);
  }
}
