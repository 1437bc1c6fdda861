package dev.cerberus.model.input;

/** One input exactly as a client sent it, before any decoding. */
public sealed interface ModelInput {

  /** Encoded image bytes (PNG or JPEG). */
  record Image(byte[] bytes) implements ModelInput {}

  /** UTF-8 text, already decoded to a Java string. */
  record Text(String text) implements ModelInput {}

  /** A dense float tensor without the batch dimension, row-major. */
  record FloatTensor(long[] shape, float[] values) implements ModelInput {}
}
