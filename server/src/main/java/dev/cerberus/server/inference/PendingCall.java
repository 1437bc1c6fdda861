package dev.cerberus.server.inference;

import dev.cerberus.model.input.ModelInput;
import dev.cerberus.model.input.PreparedInput;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One classify call on its way through a model version: its inputs, what preprocessing made of
 * them, and one outcome slot per item. The batcher queues whole calls (not items), so a request
 * of 64 items costs one queue operation, and a batch may take a slice of a call.
 */
final class PendingCall {

  final CallContext context;
  final ModelInput[] inputs;
  final PreparedInput[] prepared;
  final long admittedNanos;

  private final ItemOutcome[] outcomes;
  private final AtomicInteger unanswered;
  private final AtomicInteger chunksLeft;
  private final CompletableFuture<List<ItemOutcome>> future = new CompletableFuture<>();
  private final Executor completion;

  /** Indexes of the items that preprocessing accepted; set once, before the call is queued. */
  int[] computable;
  /** When the call entered the batcher's queue; written before it is queued. */
  long readyNanos;
  /** The next index into {@link #computable} a batch will take; touched by the batcher only. */
  int next;

  PendingCall(ModelInput[] inputs, CallContext context, int chunks, Executor completion) {
    this.inputs = inputs;
    this.context = context;
    this.prepared = new PreparedInput[inputs.length];
    this.outcomes = new ItemOutcome[inputs.length];
    this.unanswered = new AtomicInteger(inputs.length);
    this.chunksLeft = new AtomicInteger(chunks);
    this.completion = completion;
    this.admittedNanos = System.nanoTime();
  }

  CompletableFuture<List<ItemOutcome>> future() {
    return future;
  }

  int size() {
    return inputs.length;
  }

  /** With one chunk per item: true for the thread that finished the last {@code k} items. */
  boolean chunksDone(int k) {
    return chunksLeft.addAndGet(-k) == 0;
  }

  /** Sets one item's outcome; the last answer completes the call off the calling thread. */
  void answer(int index, ItemOutcome outcome) {
    outcomes[index] = outcome;
    if (unanswered.decrementAndGet() == 0) {
      complete();
    }
  }

  private void complete() {
    // Completion runs the caller's response mapping: keep it off the inference thread.
    List<ItemOutcome> result = Collections.unmodifiableList(Arrays.asList(outcomes));
    try {
      completion.execute(() -> future.complete(result));
    } catch (RejectedExecutionException shuttingDown) {
      future.complete(result);
    }
  }
}
