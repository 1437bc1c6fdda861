package dev.cerberus.client.cli;

import dev.cerberus.client.CerberusClient;
import dev.cerberus.client.CerberusException;
import dev.cerberus.client.ClassifyStream;
import dev.cerberus.client.StreamOptions;
import dev.cerberus.proto.v1.Item;
import dev.cerberus.proto.v1.ItemErrorCode;
import dev.cerberus.proto.v1.ItemResult;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code classify --bulk SRC --out FILE.jsonl}: streams every item of SRC not yet in FILE through
 * one ClassifyStream and appends one line per item. Killed and restarted, it ends with exactly
 * one line per item: ids already in the file are skipped, and item errors that a retry may cure
 * (UNAVAILABLE, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED, CANCELLED) are not written, so a later
 * run classifies those items again.
 */
final class BulkRun {
  private static final Set<ItemErrorCode> TRANSIENT = Set.of(ItemErrorCode.UNAVAILABLE,
      ItemErrorCode.RESOURCE_EXHAUSTED, ItemErrorCode.DEADLINE_EXCEEDED, ItemErrorCode.CANCELLED);
  /** The results file is flushed at least this often. */
  static final long FLUSH_INTERVAL_NANOS = 1_000_000_000L;

  private final CerberusClient client;
  private final StreamOptions options;
  private final BulkSource source;
  private final Path out;
  private final int flushEvery;
  private final PrintWriter progressOut;

  private final AtomicLong written = new AtomicLong();
  private final AtomicLong itemErrors = new AtomicLong();
  private final AtomicLong transientErrors = new AtomicLong();
  private final AtomicLong processed = new AtomicLong();

  BulkRun(CerberusClient client, StreamOptions options, BulkSource source, Path out,
      int flushEvery, PrintWriter progressOut) {
    this.client = client;
    this.options = options;
    this.source = source;
    this.out = out;
    this.flushEvery = flushEvery;
    this.progressOut = progressOut;
  }

  int execute(PrintWriter err) throws IOException {
    ResumeFile.State resume = ResumeFile.load(out);
    if (resume.droppedBytes() > 0) {
      err.println("bulk: dropped an incomplete last line (" + resume.droppedBytes()
          + " bytes) from " + out + "; that item is classified again");
    }
    Set<String> done = resume.doneIds();
    long[] counts = new long[3]; // all, already done, duplicates
    Set<String> seen = new HashSet<>();
    source.forEach(e -> {
      counts[0]++;
      if (done.contains(e.id())) {
        counts[1]++;
      } else if (!seen.add(e.id())) {
        counts[2]++;
      }
    });
    seen.clear();
    long todo = counts[0] - counts[1] - counts[2];
    err.println("bulk: " + counts[0] + " items in " + source.describe() + ", " + counts[1]
        + " already in " + out + ", " + todo + " to classify with model " + options.model()
        + (counts[2] > 0 ? " (" + counts[2] + " repeated ids skipped: ids must be unique)" : ""));
    err.flush();
    if (todo == 0) {
      return 0;
    }
    ProgressBar progress = progressOut == null ? null
        : new ProgressBar(progressOut, todo, System.console() != null, System::nanoTime);
    try (ResultWriter writer = new ResultWriter(out, flushEvery)) {
      Thread flushOnExit = new Thread(writer::flushQuietly, "cerberus-bulk-flush");
      Runtime.getRuntime().addShutdownHook(flushOnExit);
      try {
        stream(done, writer, progress);
      } catch (CerberusException e) {
        writer.flushQuietly();
        throw new CerberusException(e.code(), e.serverMessage() + " (" + written.get()
            + " results saved in " + out + "; run the same command again to resume)", e);
      } finally {
        Runtime.getRuntime().removeShutdownHook(flushOnExit);
        if (progress != null) {
          progress.finish(processed.get());
        }
      }
    }
    err.println("bulk: wrote " + written.get() + " results to " + out + " (" + itemErrors.get()
        + " with item errors)" + (transientErrors.get() > 0 ? "; " + transientErrors.get()
        + " items met a transient error and were not written: run again to retry them" : ""));
    return itemErrors.get() > 0 || transientErrors.get() > 0 ? CerberusCli.EXIT_ITEM_ERRORS : 0;
  }

  private void stream(Set<String> done, ResultWriter writer, ProgressBar progress)
      throws IOException {
    try (ClassifyStream stream = client.classifyStream(options, result -> {
      if (result.hasError() && TRANSIENT.contains(result.getError().getCode())) {
        transientErrors.incrementAndGet();
      } else {
        writer.write(ResultJson.line(result));
        written.incrementAndGet();
        if (!result.hasPrediction()) {
          itemErrors.incrementAndGet();
        }
      }
      advance(progress);
    })) {
      source.forEach(entry -> {
        if (!done.add(entry.id())) {
          return; // answered in an earlier run, or a repeated id
        }
        Item item;
        try {
          item = entry.load();
        } catch (UncheckedIOException e) {
          writer.write(ResultJson.error(entry.id(), "INVALID_ARGUMENT", e.getMessage()).toString());
          written.incrementAndGet();
          itemErrors.incrementAndGet();
          advance(progress);
          return;
        }
        stream.send(item);
      });
    }
  }

  private void advance(ProgressBar progress) {
    long n = processed.incrementAndGet();
    if (progress != null) {
      progress.update(n);
    }
  }

  /** Appends whole lines; flushes every N lines and at least once a second. */
  private static final class ResultWriter implements AutoCloseable {
    private final BufferedWriter writer;
    private final int flushEvery;
    private int sinceFlush;
    private long lastFlush = System.nanoTime();

    ResultWriter(Path out, int flushEvery) throws IOException {
      Path parent = out.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      this.writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
      this.flushEvery = flushEvery;
    }

    synchronized void write(String line) {
      try {
        writer.write(line);
        writer.write('\n');
        long now = System.nanoTime();
        if (++sinceFlush >= flushEvery || now - lastFlush >= FLUSH_INTERVAL_NANOS) {
          writer.flush();
          sinceFlush = 0;
          lastFlush = now;
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write results: " + e.getMessage(), e);
      }
    }

    synchronized void flushQuietly() {
      try {
        writer.flush();
      } catch (IOException ignored) {
        // Best effort on the way out; a partial last line is repaired by the next run.
      }
    }

    @Override
    public synchronized void close() throws IOException {
      writer.close();
    }
  }
}
