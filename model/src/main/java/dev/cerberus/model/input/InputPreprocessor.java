package dev.cerberus.model.input;

import dev.cerberus.model.bundle.BundleException;
import dev.cerberus.model.bundle.BundleManifest.InputSpec;
import java.nio.file.Path;

/**
 * Turns one client input into a {@link PreparedInput} for one bundle's input spec. One
 * implementation per input kind, chosen once at load. Implementations are thread-safe and use
 * no native memory except the tokenizer's (which is thread-safe).
 */
public interface InputPreprocessor extends AutoCloseable {

  PreparedInput prepare(ModelInput input, InputLimits limits) throws InputRejectedException;

  /** Releases native resources (the tokenizer); a no-op for images and tensors. */
  @Override
  default void close() {}

  /** The preprocessor for a validated input spec; {@code bundleDir} resolves the tokenizer. */
  static InputPreprocessor forSpec(InputSpec spec, Path bundleDir) throws BundleException {
    return switch (spec.kind()) {
      case InputSpec.IMAGE -> new ImagePreprocessor(spec.image());
      case InputSpec.TEXT -> TextPreprocessor.open(spec.text(), bundleDir);
      case InputSpec.TENSOR -> new TensorPreprocessor(spec.tensor());
      default -> throw new BundleException("input.kind '" + spec.kind() + "' is unknown");
    };
  }

  /** The kind a client sent, for "expected X, got Y" messages. */
  static String kindOf(ModelInput input) {
    if (input instanceof ModelInput.Image) return "image";
    if (input instanceof ModelInput.Text) return "text";
    return "tensor";
  }
}
