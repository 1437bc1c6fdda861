package dev.cerberus.server.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live request-phase counters of one model version (see {@link PhaseStats}). LongAdders: gRPC,
 * worker and inference threads bump them at once; the per-batch-size arrays are atomic because
 * a version runs several inference threads.
 */
final class PhaseCounters {

  /** One phase: a count and a total duration. */
  static final class Phase {
    private final LongAdder count = new LongAdder();
    private final LongAdder nanos = new LongAdder();

    void add(long times, long durationNanos) {
      count.add(times);
      nanos.add(Math.max(0, durationNanos));
    }

    PhaseStats.Count snapshot() {
      return new PhaseStats.Count(count.sum(), nanos.sum());
    }
  }

  final Phase success = new Phase();
  final Phase fail = new Phase();
  final Phase queue = new Phase();
  final Phase computeInput = new Phase();
  final Phase computeInfer = new Phase();
  final Phase computeOutput = new Phase();
  private final AtomicLong lastInferenceMillis = new AtomicLong();
  private final AtomicLongArray batchInferNanos;
  private final AtomicLongArray batchOutputNanos;

  PhaseCounters(int maxBatchSize) {
    batchInferNanos = new AtomicLongArray(maxBatchSize + 1);
    batchOutputNanos = new AtomicLongArray(maxBatchSize + 1);
  }

  /** One forward pass of {@code size} items finished (the count is in the batch-size array). */
  void batch(int size, long inferNanos, long outputNanos) {
    batchInferNanos.addAndGet(size, inferNanos);
    batchOutputNanos.addAndGet(size, outputNanos);
    lastInferenceMillis.set(System.currentTimeMillis());
  }

  /** @param batchCounts index b = passes of b items ({@link VersionStats#batchSizeCounts}) */
  PhaseStats snapshot(long[] batchCounts) {
    List<PhaseStats.Batch> batches = new ArrayList<>();
    for (int b = 1; b < batchCounts.length && b < batchInferNanos.length(); b++) {
      if (batchCounts[b] > 0) {
        batches.add(new PhaseStats.Batch(
            b, batchCounts[b], batchInferNanos.get(b), batchOutputNanos.get(b)));
      }
    }
    return new PhaseStats(success.snapshot(), fail.snapshot(), queue.snapshot(),
        computeInput.snapshot(), computeInfer.snapshot(), computeOutput.snapshot(),
        lastInferenceMillis.get(), List.copyOf(batches));
  }
}
