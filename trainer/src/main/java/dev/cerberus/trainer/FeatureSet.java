package dev.cerberus.trainer;

import dev.cerberus.trainer.data.Sample;
import java.util.List;

/**
 * Extracted rows of one named set: features (corrupt items already dropped), the samples they
 * came from, and every head's logits (filled after training).
 *
 * @param role what the set is for: train, val, test, outliers-train, outliers-val, ood-eval
 */
public record FeatureSet(String name, String role, List<Sample> samples, float[][] features,
    int corrupt) {
  public int size() {
    return features.length;
  }
}
