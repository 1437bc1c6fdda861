package dev.cerberus.model.input;

/**
 * An input after decoding and validation, held in plain Java arrays (no native memory) so it
 * can be made on any thread and copied into one batch buffer by the forward pass.
 */
public sealed interface PreparedInput {

  /** A normalised image, float32 CHW, exactly the bundle's channels x height x width. */
  record Pixels(float[] chw) implements PreparedInput {}

  /** Token ids with special tokens, unpadded, at most the bundle's max tokens. */
  record Tokens(long[] ids) implements PreparedInput {}

  /** A tensor of the bundle's shape, row-major. */
  record Values(float[] values) implements PreparedInput {}
}
