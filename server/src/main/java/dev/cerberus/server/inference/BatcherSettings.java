package dev.cerberus.server.inference;

/**
 * Knobs of one model version's dynamic batcher (filled from ServerSettings; see
 * docs/settings.md).
 *
 * @param maxBatchSize most items in one forward pass (cerberus.batch.max-size)
 * @param maxQueueDelayNanos how long the oldest ready item may wait for more items before a
 *     partial batch runs (cerberus.batch.max-queue-delay-ms)
 * @param queueCapacity most items admitted and not yet computed, per model version; a call
 *     that would exceed it fails with RESOURCE_EXHAUSTED (cerberus.batch.queue-capacity)
 * @param maxItemsPerRequest most items in one call (cerberus.max-items-per-request)
 * @param inferenceThreads threads taking batches from this version's queue, each running whole
 *     forward passes; with N > 1, N batches compute at once (cerberus.batch.inference-threads)
 */
public record BatcherSettings(
    int maxBatchSize,
    long maxQueueDelayNanos,
    int queueCapacity,
    int maxItemsPerRequest,
    int inferenceThreads) {

  /** One inference thread. */
  public BatcherSettings(
      int maxBatchSize, long maxQueueDelayNanos, int queueCapacity, int maxItemsPerRequest) {
    this(maxBatchSize, maxQueueDelayNanos, queueCapacity, maxItemsPerRequest, 1);
  }

  public BatcherSettings {
    if (inferenceThreads < 1) {
      throw new IllegalArgumentException("inference threads must be >= 1, got " + inferenceThreads);
    }
    if (maxBatchSize < 1) {
      throw new IllegalArgumentException("max batch size must be >= 1, got " + maxBatchSize);
    }
    if (maxQueueDelayNanos < 0) {
      throw new IllegalArgumentException("max queue delay must be >= 0");
    }
    if (maxItemsPerRequest < 1) {
      throw new IllegalArgumentException("max items per request must be >= 1");
    }
    if (queueCapacity < maxItemsPerRequest) {
      throw new IllegalArgumentException(
          "queue capacity (" + queueCapacity + ") must be >= max items per request ("
              + maxItemsPerRequest + "), or a full-size request could never be admitted");
    }
  }
}
