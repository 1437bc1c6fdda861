package dev.cerberus.server.inference;

import dev.cerberus.server.inference.BatchAggregator.Segment;
import io.grpc.Status;

/**
 * Answers, instead of computing, the items nobody will use: their call was cancelled, its
 * deadline passed, or (deadline-aware admission on) its deadline would pass before the batch
 * they would join finishes, going by the measured forward time of that batch size. Used while
 * a batch is assembled (so a dropped item frees its slot for a live one) and again right
 * before the forward pass. Every drop is counted by cause.
 */
final class ItemTriage {

  private final String label;
  private final ModelCounters counters;
  private final BatchCost cost;
  private final boolean predictive;

  ItemTriage(String label, ModelCounters counters, BatchCost cost, boolean predictive) {
    this.label = label;
    this.counters = counters;
    this.cost = cost;
    this.predictive = predictive;
  }

  /**
   * Answers the segment and returns true when its items should not be computed in a batch of
   * {@code batchSize} items starting at {@code now}.
   */
  boolean dropUnwanted(Segment segment, long now, int batchSize) {
    CallContext context = segment.call().context;
    if (context.isCancelled()) {
      counters.droppedCancelled.add(segment.size());
      answerAll(segment, Status.Code.CANCELLED, "the call was cancelled before this item was computed");
      return true;
    }
    if (context.expired(now)) {
      counters.droppedExpired.add(segment.size());
      answerAll(segment, Status.Code.DEADLINE_EXCEEDED,
          "the call's deadline passed before this item was computed");
      return true;
    }
    if (predictive && context.hasDeadline()) {
      long left = context.deadlineNanos() - now;
      long pass = cost.batchNanos(batchSize);
      if (pass > left) {
        counters.droppedLate.add(segment.size());
        answerAll(segment, Status.Code.DEADLINE_EXCEEDED, "the call's deadline ("
            + Admission.millis(left) + " ms left) would pass before this item's batch finishes"
            + " (about " + Admission.millis(pass) + " ms); not computed");
        return true;
      }
    }
    return false;
  }

  /** The call's deadline in nanoTime, or Long.MAX_VALUE when it has none. */
  long deadlineOf(PendingCall call) {
    return call.context.hasDeadline() ? call.context.deadlineNanos() : Long.MAX_VALUE;
  }

  /**
   * False when deadline-aware and a batch of {@code batchSize} items starting now would finish
   * after {@code deadlineNanos}: the batcher then closes the batch smaller rather than make a
   * member late.
   */
  boolean fits(long deadlineNanos, long now, int batchSize) {
    if (!predictive || deadlineNanos == Long.MAX_VALUE) return true;
    return cost.batchNanos(batchSize) <= deadlineNanos - now;
  }

  void answerAll(Segment segment, Status.Code code, String message) {
    counters.queueDepth.addAndGet(-segment.size());
    PendingCall call = segment.call();
    ItemOutcome.ItemFailure failure = new ItemOutcome.ItemFailure(code, message);
    for (int k = segment.from(); k < segment.to(); k++) {
      call.answer(call.computable[k], failure);
    }
  }

  String label() {
    return label;
  }
}
