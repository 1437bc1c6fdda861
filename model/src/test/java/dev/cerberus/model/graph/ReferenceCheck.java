package dev.cerberus.model.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cerberus.model.testing.Expected;
import java.util.Arrays;

/**
 * Compares MiniLM outputs with a reference.json at its own tolerances: absolute on values,
 * 1e-5 relative on norms, absolute on cosines (see ../shared/models/README.md).
 */
final class ReferenceCheck {

  private final JsonNode ref;
  private final String source;
  private final float abs;
  private final double cosineAbs;

  ReferenceCheck(JsonNode ref, String source) {
    this.ref = ref;
    this.source = source;
    this.abs = (float) ref.get("tolerance").get("abs").asDouble();
    this.cosineAbs = ref.get("tolerance").get("cosine_abs").asDouble();
  }

  void values(float[] got, JsonNode want, String what) {
    assertThat(got).as("%s vs %s", what, source).containsExactly(Expected.floats(want), within(abs));
  }

  void relative(double got, double want, String what) {
    assertThat(got).as("%s vs %s", what, source).isCloseTo(want, within(1e-5 * want));
  }

  /** Mean-pooled rows (one per reference sentence): norms, first values after L2 normalisation, cosines. */
  void pooledEmbeddingsAndCosines(float[][] pooled) {
    JsonNode sentences = ref.get("sentences");
    float[][] unit = new float[pooled.length][];
    for (int i = 0; i < pooled.length; i++) {
      double n = norm(pooled[i]);
      relative(n, sentences.get(i).get("mean_pooled_l2norm_before_normalization").asDouble(), "pooled norm " + i);
      unit[i] = new float[pooled[i].length];
      for (int k = 0; k < unit[i].length; k++) unit[i][k] = (float) (pooled[i][k] / n);
      values(Arrays.copyOf(unit[i], 8), sentences.get(i).get("embedding_first8"), "embedding " + i);
    }
    JsonNode cos = ref.get("cosine_matrix");
    for (int i = 0; i < unit.length; i++) {
      for (int j = 0; j < unit.length; j++) {
        double d = 0;
        for (int k = 0; k < unit[i].length; k++) d += (double) unit[i][k] * unit[j][k];
        assertThat(d).as("cosine %d,%d vs %s", i, j, source).isCloseTo(cos.get(i).get(j).asDouble(), within(cosineAbs));
      }
    }
  }

  static double norm(float[] v) {
    double s = 0;
    for (float x : v) s += (double) x * x;
    return Math.sqrt(s);
  }
}
