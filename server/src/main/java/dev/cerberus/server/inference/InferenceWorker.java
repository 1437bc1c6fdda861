package dev.cerberus.server.inference;

import dev.cerberus.model.ItemPrediction;
import dev.cerberus.model.ServableModel;
import dev.cerberus.model.input.PreparedInput;
import dev.cerberus.server.inference.BatchAggregator.Segment;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One of the cerberus.batch.inference-threads threads of a model version (default 2) that call
 * {@link ServableModel#forward}, which is thread-safe: takes a batch from the aggregator, drops
 * the items nobody waits for any more, runs one forward pass and hands each call its answers.
 * Preprocessing happened before the batch was formed, so this thread only copies ready arrays
 * into the batch and never decodes.
 */
final class InferenceWorker implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(InferenceWorker.class);

  private final String label;
  private final ServableModel model;
  private final BatchAggregator aggregator;
  private final ModelCounters counters;
  private final BatchObserver observer;
  private final ItemTriage triage;
  private final BatchCost cost;
  /** Set when the drain timeout ran out: answer what is left with UNAVAILABLE, compute nothing. */
  private volatile boolean abandon;

  InferenceWorker(
      String label,
      ServableModel model,
      BatchAggregator aggregator,
      ModelCounters counters,
      BatchObserver observer,
      ItemTriage triage,
      BatchCost cost) {
    this.label = label;
    this.model = model;
    this.aggregator = aggregator;
    this.counters = counters;
    this.observer = observer;
    this.triage = triage;
    this.cost = cost;
  }

  void abandon() {
    abandon = true;
  }

  @Override
  public void run() {
    List<Segment> batch;
    while ((batch = aggregator.nextBatch()) != null) {
      try {
        runBatch(batch);
      } catch (RuntimeException | LinkageError | AssertionError e) {
        // runBatch answers its own failures; this guards the thread itself
        log.error("{}: inference thread survived an unexpected error", label, e);
      }
    }
  }

  private void runBatch(List<Segment> batch) {
    long now = System.nanoTime();
    List<Segment> live = new ArrayList<>(batch.size());
    List<PreparedInput> inputs = new ArrayList<>();
    long oldestReady = now;
    int batchSize = 0;
    for (Segment segment : batch) {
      batchSize += segment.size();
    }
    for (Segment segment : batch) {
      PendingCall call = segment.call();
      if (abandon) {
        triage.answerAll(segment, Status.Code.UNAVAILABLE, label + " closed before this item was computed");
        continue;
      }
      if (triage.dropUnwanted(segment, now, batchSize)) {
        continue;
      }
      live.add(segment);
      oldestReady = Math.min(oldestReady, call.readyNanos);
      for (int k = segment.from(); k < segment.to(); k++) {
        inputs.add(call.prepared[call.computable[k]]);
      }
    }
    if (inputs.isEmpty()) {
      return;
    }
    long start = System.nanoTime();
    List<ItemPrediction> predictions;
    try {
      predictions = model.forward(inputs);
      if (predictions.size() != inputs.size()) {
        throw new IllegalStateException(
            "forward returned " + predictions.size() + " results for " + inputs.size() + " inputs");
      }
    } catch (RuntimeException e) {
      log.error("{}: forward pass of {} items failed", label, inputs.size(), e);
      counters.itemErrors.add(inputs.size());
      for (Segment segment : live) {
        triage.answerAll(segment, Status.Code.INTERNAL, "the forward pass failed: " + e.getMessage());
      }
      return;
    }
    long forwardNanos = System.nanoTime() - start;
    counters.recordBatch(inputs.size());
    cost.record(inputs.size(), forwardNanos);
    observer.onForward(inputs.size(), start - oldestReady, forwardNanos);
    counters.queueDepth.addAndGet(-inputs.size());
    long answerStart = System.nanoTime();
    int j = 0;
    for (Segment segment : live) {
      PendingCall call = segment.call();
      for (int k = segment.from(); k < segment.to(); k++) {
        int index = call.computable[k];
        call.prepared[index] = null; // the pixels are no longer needed; let them go early
        call.answer(index, new ItemOutcome.Predicted(predictions.get(j++)));
      }
    }
    recordPhases(live, start, forwardNanos, System.nanoTime() - answerStart, inputs.size());
  }

  /**
   * Triton-style request phases: a request counts once (at its first slice), and its time is
   * that of every forward pass a slice of it was in.
   */
  private void recordPhases(List<Segment> live, long start, long forwardNanos, long outputNanos,
      int size) {
    PhaseCounters phases = counters.phases;
    for (Segment segment : live) {
      int first = segment.from() == 0 ? 1 : 0;
      phases.queue.add(first, first == 1 ? start - segment.call().readyNanos : 0);
      phases.computeInfer.add(first, forwardNanos);
      phases.computeOutput.add(first, outputNanos);
    }
    phases.batch(size, forwardNanos, outputNanos);
  }
}
