package dev.cerberus.server.inference;

/**
 * Told about every forward pass of one model version (the Prometheus histograms implement it).
 * Called on the inference thread: implementations must be cheap and must not block.
 */
public interface BatchObserver {

  BatchObserver NONE = (batchSize, oldestWaitNanos, forwardNanos) -> {};

  /**
   * @param batchSize items in the pass
   * @param oldestWaitNanos how long the batch's oldest item waited between admission and compute
   * @param forwardNanos wall time of {@code ServableModel.forward}
   */
  void onForward(int batchSize, long oldestWaitNanos, long forwardNanos);
}
