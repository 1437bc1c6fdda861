package dev.cerberus.model.input;

/**
 * Bounds on a single input, enforced before any expensive work. The server fills these from
 * its settings (names in parentheses); every rejection message names the limit and its setting.
 *
 * @param maxImageBytes encoded image size (cerberus.limits.max-image-bytes)
 * @param maxImagePixels decoded width x height, checked from the header before decoding
 *     (cerberus.limits.max-image-pixels)
 * @param maxTextBytes UTF-8 size of one text (cerberus.limits.max-text-bytes)
 * @param maxTensorValues values in one tensor item (cerberus.limits.max-tensor-values)
 */
public record InputLimits(
    int maxImageBytes, long maxImagePixels, int maxTextBytes, int maxTensorValues) {

  public static InputLimits defaults() {
    return new InputLimits(16 << 20, 40_000_000L, 64 << 10, 1 << 20);
  }
}
