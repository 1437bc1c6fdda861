package dev.cerberus.server.inference;

import java.util.List;

/**
 * Where the time of one model version's requests went, since it was loaded: the numbers of
 * Triton's ModelStatistics and of {@code cerberus_inference_phase*} on /metrics (one source, so
 * the two never disagree). A request is one classify call (a Classify call, a ClassifyStream
 * message, an OIP ModelInfer request) whatever its item count.
 *
 * @param success requests whose every item got a prediction; nanos: admission to answer
 * @param fail requests refused at admission or with at least one failed item
 * @param queue requests that reached a forward pass; nanos: batcher queue wait until the
 *     forward pass of their first items
 * @param computeInput requests that finished preprocessing; nanos: admission until ready to
 *     batch (decode, resize, tokenize, including the wait for a decode turn)
 * @param computeInfer requests that reached a forward pass; nanos: forward passes they were in
 * @param computeOutput requests that reached a forward pass; nanos: handing results back
 * @param lastInferenceMillis wall clock of the last forward pass (0: none yet)
 * @param batches one entry per batch size that ran
 */
public record PhaseStats(
    Count success,
    Count fail,
    Count queue,
    Count computeInput,
    Count computeInfer,
    Count computeOutput,
    long lastInferenceMillis,
    List<Batch> batches) {

  /** How many times, and their total duration in nanoseconds. */
  public record Count(long count, long nanos) {}

  /**
   * Forward passes of one batch size.
   *
   * @param size items in the pass
   * @param count passes of that size
   * @param inferNanos their total forward time
   * @param outputNanos their total time handing results back
   */
  public record Batch(int size, long count, long inferNanos, long outputNanos) {}

  /** Phases by their wire name ({@code cerberus_inference_phase} label, Triton field). */
  public List<Named> named() {
    return List.of(new Named("success", success), new Named("fail", fail),
        new Named("queue", queue), new Named("compute_input", computeInput),
        new Named("compute_infer", computeInfer), new Named("compute_output", computeOutput));
  }

  /** A phase and its name. */
  public record Named(String phase, Count count) {}
}
