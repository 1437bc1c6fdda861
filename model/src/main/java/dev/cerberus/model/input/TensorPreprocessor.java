package dev.cerberus.model.input;

import dev.cerberus.model.bundle.BundleManifest.TensorSpec;
import java.util.Arrays;

/** Checks a float tensor against the bundle's item shape; values are fed as they are. */
public final class TensorPreprocessor implements InputPreprocessor {

  private final long[] shape;
  private final long count;

  public TensorPreprocessor(TensorSpec spec) {
    this.shape = spec.shape().clone();
    this.count = spec.valueCount();
  }

  @Override
  public PreparedInput prepare(ModelInput input, InputLimits limits)
      throws InputRejectedException {
    if (!(input instanceof ModelInput.FloatTensor t)) {
      throw InputRejectedException.invalid(
          "this model takes a tensor of shape " + Arrays.toString(shape) + ", got "
              + InputPreprocessor.kindOf(input));
    }
    if (t.values() == null || t.values().length > limits.maxTensorValues()) {
      throw InputRejectedException.invalid(
          "tensor has " + (t.values() == null ? 0 : t.values().length) + " values, the limit is "
              + limits.maxTensorValues() + " (cerberus.limits.max-tensor-values)");
    }
    if (!Arrays.equals(t.shape(), shape)) {
      throw InputRejectedException.invalid(
          "tensor shape " + Arrays.toString(t.shape()) + " does not match the model's "
              + Arrays.toString(shape) + " (without the batch dimension)");
    }
    if (t.values().length != count) {
      throw InputRejectedException.invalid(
          "tensor has " + t.values().length + " values, shape " + Arrays.toString(shape)
              + " needs " + count);
    }
    for (float v : t.values()) {
      if (!Float.isFinite(v)) {
        throw InputRejectedException.invalid("tensor values must be finite (found " + v + ")");
      }
    }
    return new PreparedInput.Values(t.values().clone());
  }
}
