package dev.cerberus.server.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The dynamic batcher of one model version: preprocessed calls wait here until the inference
 * thread takes them as batches of at most {@code maxBatchSize} items.
 *
 * <p>A batch runs as soon as it is full, or when its oldest item has waited
 * {@code maxQueueDelayNanos} since it became ready, whichever comes first. Producers never
 * lock: the queue is lock-free and the consumer parks; a producer only unparks it.
 *
 * <p>Several inference threads may call {@link #nextBatch}: one of them at a time assembles
 * (holds {@link #assembling}, is the parked consumer producers wake); the others wait for the
 * lock while their previous batch computes. So with N threads up to N batches compute at once
 * and the next one is already being filled.
 */
final class BatchAggregator {

  /** Slice {@code [from, to)} of a call's computable items. */
  record Segment(PendingCall call, int from, int to) {
    int size() {
      return to - from;
    }
  }

  /** Longest idle park; bounds how late the consumer notices a stop request. */
  private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final ConcurrentLinkedQueue<PendingCall> ready = new ConcurrentLinkedQueue<>();
  private final int maxBatchSize;
  private final long maxQueueDelayNanos;
  private final ReentrantLock assembling = new ReentrantLock();
  private volatile Thread consumer;
  private volatile boolean stopped;
  /** A call whose items did not all fit into the previous batch; holder of the lock only. */
  private PendingCall carry;
  /** When the carried call became ready: its remaining items keep their age. */
  private long carryReadyNanos;

  /** Drops unwanted calls while assembling; null = take everything (the worker checks). */
  private final ItemTriage triage;

  BatchAggregator(BatcherSettings settings) {
    this(settings, null);
  }

  BatchAggregator(BatcherSettings settings, ItemTriage triage) {
    this.maxBatchSize = settings.maxBatchSize();
    this.maxQueueDelayNanos = settings.maxQueueDelayNanos();
    this.triage = triage;
  }

  /** Queues a preprocessed call with at least one computable item. */
  void offer(PendingCall call) {
    call.readyNanos = System.nanoTime();
    ready.offer(call);
    LockSupport.unpark(consumer);
  }

  /** Removes and returns whatever is queued (used after the consumer has exited). */
  List<PendingCall> drainRemaining() {
    List<PendingCall> out = new ArrayList<>();
    if (carry != null) {
      out.add(carry);
      carry = null;
    }
    PendingCall call;
    while ((call = ready.poll()) != null) {
      out.add(call);
    }
    return out;
  }

  /** Stops the consumer once the queue is empty. */
  void stop() {
    stopped = true;
    LockSupport.unpark(consumer);
  }

  /**
   * Blocks the calling (inference) thread until a batch is due. Returns null once stopped and
   * empty. Items stay in the queue depth until the worker answers them.
   */
  List<Segment> nextBatch() {
    assembling.lock();
    try {
      consumer = Thread.currentThread();
      return assemble();
    } finally {
      consumer = null;
      assembling.unlock();
    }
  }

  private List<Segment> assemble() {
    List<Segment> batch = new ArrayList<>();
    int size = 0;
    long flushAt = 0;
    long tightest = Long.MAX_VALUE; // earliest deadline among the batch's calls
    while (size < maxBatchSize) {
      PendingCall call;
      long readyNanos;
      if (carry != null) {
        call = carry;
        readyNanos = carryReadyNanos;
        carry = null;
      } else {
        call = ready.poll();
        readyNanos = call == null ? 0 : call.readyNanos;
      }
      if (call == null) {
        if (size == 0) {
          if (stopped) {
            return null;
          }
          LockSupport.parkNanos(this, IDLE_PARK_NANOS);
          continue;
        }
        long wait = flushAt - System.nanoTime();
        if (wait <= 0 || stopped) {
          break;
        }
        LockSupport.parkNanos(this, wait);
        continue;
      }
      int take = Math.min(call.computable.length - call.next, maxBatchSize - size);
      if (triage != null) {
        long now = System.nanoTime();
        int alone = Math.min(call.computable.length - call.next, maxBatchSize);
        if (triage.dropUnwanted(new Segment(call, call.next, call.computable.length), now, alone)) {
          // late even in a batch of its own: all its remaining items go; the slot is free
          call.next = call.computable.length;
          continue;
        }
        long deadline = Math.min(tightest, triage.deadlineOf(call));
        if (size > 0 && !triage.fits(deadline, now, size + take)) {
          // a bigger batch would make someone late: run this one, the call leads the next
          carry = call;
          carryReadyNanos = readyNanos;
          break;
        }
        tightest = deadline;
      }
      if (size == 0) {
        flushAt = readyNanos + maxQueueDelayNanos;
      }
      batch.add(new Segment(call, call.next, call.next + take));
      call.next += take;
      size += take;
      if (call.next < call.computable.length) {
        carry = call;
        carryReadyNanos = readyNanos;
      }
    }
    return batch;
  }
}
