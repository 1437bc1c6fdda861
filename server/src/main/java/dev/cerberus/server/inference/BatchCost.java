package dev.cerberus.server.inference;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Measured forward-pass time per batch size (an exponentially weighted moving average per
 * size, fed by the inference threads), and what it predicts: how long a batch of n items
 * takes, and how long the queue ahead of a new call takes to drain.
 *
 * <p>Per size rather than per item because a pass costs a fixed part plus a part per item:
 * one item alone costs several times its share of a full batch, and a per-item average taken
 * at light load would refuse big calls that would in fact finish in time. A size never seen
 * borrows from the nearest larger measured size (a smaller batch is never slower), else from
 * the nearest smaller one scaled up linearly (never faster than proportional): both err on
 * the slow side. Nothing measured yet predicts 0 (admit), so a cold server refuses nothing.
 */
final class BatchCost {

  private final AtomicLongArray ewmaNanos; // index = batch size; 0 = not measured
  private final int maxBatch;
  private final int threads;
  private final double weight;

  /**
   * @param maxBatch largest batch the batcher forms
   * @param threads inference threads computing batches at once
   * @param weight EWMA weight of each new measurement (cerberus.admission.ewma-weight)
   */
  BatchCost(int maxBatch, int threads, double weight) {
    this.ewmaNanos = new AtomicLongArray(maxBatch + 1);
    this.maxBatch = maxBatch;
    this.threads = threads;
    this.weight = weight;
  }

  /** One finished forward pass (single writer per size is not required: last write wins). */
  void record(int size, long nanos) {
    if (size < 1 || size > maxBatch) return;
    long old = ewmaNanos.get(size);
    ewmaNanos.set(size, old == 0 ? nanos : Math.round(old + weight * (nanos - old)));
  }

  /** Predicted wall time of one pass of {@code size} items; 0 when nothing is measured. */
  long batchNanos(int size) {
    size = Math.max(1, Math.min(size, maxBatch));
    for (int s = size; s <= maxBatch; s++) {
      long t = ewmaNanos.get(s);
      if (t > 0) return t;
    }
    for (int s = size - 1; s >= 1; s--) {
      long t = ewmaNanos.get(s);
      if (t > 0) return t * size / s;
    }
    return 0;
  }

  /**
   * Predicted time until {@code items} queued items are all computed: full batches while the
   * queue is deep, the remainder last, {@code threads} passes at a time (forward times were
   * measured with the threads competing, so this needs no contention factor).
   */
  long drainNanos(int items) {
    if (items <= 0) return 0;
    long full = items / maxBatch;
    int rest = items % maxBatch;
    long total = full * batchNanos(maxBatch) + (rest > 0 ? batchNanos(rest) : 0);
    // one batch cannot be split between threads
    return Math.max(total / threads, batchNanos(Math.min(items, maxBatch)));
  }
}
