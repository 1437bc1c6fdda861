package dev.cerberus.server.inference;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters of one model version. LongAdder because many gRPC and worker threads bump them
 * at once; the batch-size histogram is written by the single inference thread only.
 */
final class ModelCounters {

  final LongAdder forwardPasses = new LongAdder();
  final LongAdder items = new LongAdder();
  final LongAdder rejectedQueueFull = new LongAdder();
  final LongAdder droppedExpired = new LongAdder();
  final LongAdder droppedCancelled = new LongAdder();
  /** Items refused at admission: the expected wait exceeded the call's deadline. */
  final LongAdder shedDeadline = new LongAdder();
  /** Items dropped before compute: the deadline would pass before their batch finished. */
  final LongAdder droppedLate = new LongAdder();
  final LongAdder itemErrors = new LongAdder();
  /** Items admitted and not yet computed (or dropped, or failed); also the admission bound. */
  final AtomicInteger queueDepth = new AtomicInteger();

  private final AtomicLongArray batchSizes;
  /** Where requests spent their time (ModelStatistics, cerberus_inference_phase). */
  final PhaseCounters phases;

  ModelCounters(int maxBatchSize) {
    this.batchSizes = new AtomicLongArray(maxBatchSize + 1);
    this.phases = new PhaseCounters(maxBatchSize);
  }

  PhaseStats phaseSnapshot() {
    long[] sizes = new long[batchSizes.length()];
    for (int i = 0; i < sizes.length; i++) {
      sizes[i] = batchSizes.get(i);
    }
    return phases.snapshot(sizes);
  }

  void recordBatch(int size) {
    forwardPasses.increment();
    items.add(size);
    batchSizes.incrementAndGet(size);
  }

  VersionStats snapshot() {
    long[] sizes = new long[batchSizes.length()];
    for (int i = 0; i < sizes.length; i++) {
      sizes[i] = batchSizes.get(i);
    }
    return new VersionStats(
        forwardPasses.sum(),
        items.sum(),
        rejectedQueueFull.sum(),
        droppedExpired.sum(),
        droppedCancelled.sum(),
        itemErrors.sum(),
        sizes,
        Math.max(0, queueDepth.get()),
        shedDeadline.sum(),
        droppedLate.sum());
  }
}
