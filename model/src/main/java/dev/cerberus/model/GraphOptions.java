package dev.cerberus.model;

/**
 * How a bundle is loaded into the engine.
 *
 * @param device "cpu" or "gpu" (a DJL device name); never hard-coded elsewhere
 * @param warmUpBatchSizes batch sizes to run once at load for every served input shape, so
 *     the first real request does not pay for shape specialisation; empty skips warm-up
 */
public record GraphOptions(String device, int[] warmUpBatchSizes) {

  public static GraphOptions defaults() {
    return new GraphOptions("cpu", new int[] {1});
  }
}
