package dev.cerberus.trainer.stage;

import dev.cerberus.trainer.data.Sample;
import java.util.List;

/**
 * Extracted rows of one set: features (corrupt items already dropped) and the samples they
 * came from, row for row.
 */
public record FeatureSet(SetId id, List<Sample> samples, float[][] features, int corrupt) {

  public FeatureSet {
    samples = List.copyOf(samples);
    if (samples.size() != features.length) {
      throw new IllegalArgumentException(id + ": " + samples.size() + " samples but "
          + features.length + " feature rows");
    }
  }

  public int size() {
    return features.length;
  }

  /** The same samples with other feature rows (a fine-tuned top's, a head's own top's). */
  public FeatureSet withFeatures(float[][] rows) {
    return new FeatureSet(id, samples, rows, corrupt);
  }
}
