package dev.cerberus.server.inference;

/**
 * Counters of one loaded model version since it was loaded (a snapshot; see
 * {@link ModelCounters}).
 *
 * @param forwardPasses forward passes of the graph, one per batch
 * @param items items computed in those passes
 * @param rejectedQueueFull items refused at admission because the queue was full
 * @param droppedExpired items dropped before compute because their deadline had passed
 * @param droppedCancelled items dropped before compute because their call was cancelled
 * @param itemErrors items that failed alone: bad input, or a failed forward pass
 * @param batchSizeCounts index b = how many batches had b items (index 0 unused)
 * @param queueDepth items admitted and not yet computed, right now
 * @param shedDeadline items refused at admission because the expected wait exceeded their
 *     call's deadline (RESOURCE_EXHAUSTED)
 * @param droppedLate items dropped before compute because their deadline would pass before
 *     their batch finished (DEADLINE_EXCEEDED)
 */
public record VersionStats(
    long forwardPasses,
    long items,
    long rejectedQueueFull,
    long droppedExpired,
    long droppedCancelled,
    long itemErrors,
    long[] batchSizeCounts,
    int queueDepth,
    long shedDeadline,
    long droppedLate) {}
