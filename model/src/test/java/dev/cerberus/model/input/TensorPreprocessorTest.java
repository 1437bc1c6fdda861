package dev.cerberus.model.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cerberus.model.bundle.BundleManifest.TensorSpec;
import org.junit.jupiter.api.Test;

class TensorPreprocessorTest {

  private final TensorPreprocessor pre = new TensorPreprocessor(new TensorSpec(new long[] {2, 3}));
  private final InputLimits limits = InputLimits.defaults();

  @Test
  void acceptsExactShapeAndCopiesValues() throws Exception {
    float[] v = {1, 2, 3, 4, 5, 6};
    PreparedInput.Values p = (PreparedInput.Values) pre.prepare(new ModelInput.FloatTensor(new long[] {2, 3}, v), limits);
    v[0] = 99;
    assertThat(p.values()).containsExactly(1, 2, 3, 4, 5, 6);
  }

  @Test
  void rejectsWrongShapeCountNonFiniteKindAndSize() {
    assertThatThrownBy(() -> pre.prepare(new ModelInput.FloatTensor(new long[] {3, 2}, new float[6]), limits))
        .hasMessageContaining("[3, 2] does not match the model's [2, 3]");
    assertThatThrownBy(() -> pre.prepare(new ModelInput.FloatTensor(new long[] {2, 3}, new float[5]), limits))
        .hasMessageContaining("has 5 values, shape [2, 3] needs 6");
    assertThatThrownBy(() -> pre.prepare(new ModelInput.FloatTensor(new long[] {2, 3}, new float[] {0, 0, Float.NaN, 0, 0, 0}), limits))
        .hasMessageContaining("finite");
    assertThatThrownBy(() -> pre.prepare(new ModelInput.Text("x"), limits)).hasMessageContaining("got text");
    assertThatThrownBy(() -> pre.prepare(new ModelInput.FloatTensor(new long[] {2, 3}, new float[6]), new InputLimits(1, 1, 1, 4)))
        .hasMessageContaining("max-tensor-values");
  }
}
