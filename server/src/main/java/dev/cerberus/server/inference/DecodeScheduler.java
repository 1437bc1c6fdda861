package dev.cerberus.server.inference;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Server-wide fair scheduler of preprocessing (decode, resize, tokenize) over the worker pool,
 * so that no caller can monopolise it (issue 15 defect 2: four calls of 16 decode bombs held
 * the pool for 52 s while a one-item call waited behind them).
 *
 * <p>Calls take turns item by item (round robin over the calls with items left), so a small
 * call that arrives behind big ones waits for at most one item per busy thread, not for whole
 * calls. Items declaring more than {@link Settings#largeImagePixels} pixels may occupy at most
 * {@link Settings#largeImageThreads} threads at once (default: all but one), so ordinary items
 * always find a thread even while only large ones are queued. At most {@link Settings#threads}
 * tasks are in the pool at once: the pool's own FIFO queue never holds a backlog to jump.
 */
public final class DecodeScheduler {

  /**
   * @param threads tasks running at once: the pool's size (cerberus.preprocess.threads)
   * @param largeImagePixels items declaring more pixels than this count as large
   *     (cerberus.decode.large-image-pixels)
   * @param largeImageThreads most large items decoding at once
   *     (cerberus.decode.large-image-threads)
   */
  public record Settings(int threads, long largeImagePixels, int largeImageThreads) {
    public Settings {
      if (threads < 1 || largeImageThreads < 1) {
        throw new IllegalArgumentException("decode threads must be >= 1");
      }
    }

    /** Large items may use every thread but one (all of them with one thread). */
    public static Settings defaults(int threads) {
      return new Settings(threads, 4_000_000L, Math.max(1, threads - 1));
    }
  }

  /** Consecutive small items one task prepares: amortises scheduling, keeps turns short. */
  private static final int SMALL_SLICE = 4;

  /** One call's items waiting for preprocessing. */
  abstract static class Work {
    private final long[] pixels;
    private int next;

    /** @param pixels declared pixels per item (0 for non-images) */
    Work(long[] pixels) {
      this.pixels = pixels;
    }

    /** Prepares items [from, to); must answer or keep each item, never throw. */
    abstract void run(int from, int to);

    /** The pool refused the task (shutting down): answer items [from, to) as failed. */
    abstract void refuse(int from, int to);
  }

  private final Executor pool;
  private final Settings settings;
  private final ArrayDeque<Work> turns = new ArrayDeque<>();
  private int running;
  private int runningLarge;

  public DecodeScheduler(Executor pool, Settings settings) {
    this.pool = pool;
    this.settings = settings;
  }

  public Settings settings() {
    return settings;
  }

  /** Queues a call's items; returns at once. */
  void submit(Work work) {
    synchronized (this) {
      if (work.pixels.length == 0) return;
      turns.addLast(work);
    }
    dispatch();
  }

  /** Starts tasks while threads are free and some call has an eligible item. */
  private void dispatch() {
    while (true) {
      Task task;
      synchronized (this) {
        task = nextTask();
        if (task == null) return;
      }
      try {
        pool.execute(() -> runTask(task));
      } catch (RejectedExecutionException e) {
        finished(task);
        task.work.refuse(task.from, task.to);
      }
    }
  }

  private record Task(Work work, int from, int to, boolean large) {}

  /** Under the lock: the next call in turn whose next item may run now, or null. */
  private Task nextTask() {
    if (running >= settings.threads()) return null;
    for (int tries = turns.size(); tries > 0; tries--) {
      Work w = turns.pollFirst();
      boolean large = w.pixels[w.next] > settings.largeImagePixels();
      if (large && runningLarge >= settings.largeImageThreads()) {
        turns.addLast(w); // its turn waits for a large-image thread; others go first
        continue;
      }
      int from = w.next;
      int to = from + 1;
      if (!large) {
        while (to < w.pixels.length && to - from < SMALL_SLICE
            && w.pixels[to] <= settings.largeImagePixels()) {
          to++;
        }
      }
      w.next = to;
      if (to < w.pixels.length) turns.addLast(w);
      running++;
      if (large) runningLarge++;
      return new Task(w, from, to, large);
    }
    return null;
  }

  private void runTask(Task task) {
    try {
      task.work.run(task.from, task.to);
    } finally {
      finished(task);
      dispatch();
    }
  }

  private synchronized void finished(Task task) {
    running--;
    if (task.large) runningLarge--;
  }
}
