package dev.cerberus.client.cli;

import java.io.PrintWriter;
import java.util.function.LongSupplier;

/**
 * Items done out of total, rate and ETA on stderr: redrawn in place on a terminal, one line every
 * few seconds otherwise (logs).
 */
final class ProgressBar {
  static final long TERMINAL_REDRAW_NANOS = 200_000_000L;
  static final long LOG_LINE_NANOS = 5_000_000_000L;
  private static final int WIDTH = 24;

  private final PrintWriter out;
  private final long total;
  private final boolean terminal;
  private final LongSupplier clock;
  private final long start;
  private long lastDraw = Long.MIN_VALUE;

  ProgressBar(PrintWriter out, long total, boolean terminal, LongSupplier nanoClock) {
    this.out = out;
    this.total = total;
    this.terminal = terminal;
    this.clock = nanoClock;
    this.start = nanoClock.getAsLong();
  }

  synchronized void update(long done) {
    long now = clock.getAsLong();
    long interval = terminal ? TERMINAL_REDRAW_NANOS : LOG_LINE_NANOS;
    if (lastDraw != Long.MIN_VALUE && now - lastDraw < interval) {
      return;
    }
    lastDraw = now;
    draw(done, now);
  }

  synchronized void finish(long done) {
    draw(done, clock.getAsLong());
    if (terminal) {
      out.println();
    }
    out.flush();
  }

  private void draw(long done, long now) {
    out.print((terminal ? "\r" : "") + render(done, now - start));
    if (!terminal) {
      out.println();
    }
    out.flush();
  }

  String render(long done, long elapsedNanos) {
    double fraction = total == 0 ? 1.0 : Math.min(1.0, (double) done / total);
    int filled = (int) Math.round(fraction * WIDTH);
    double seconds = elapsedNanos / 1e9;
    double rate = seconds > 0 ? done / seconds : 0;
    String eta = rate > 0 ? duration((long) Math.ceil((total - done) / rate)) : "--";
    return String.format("[%s%s] %d/%d %3.0f%% %.1f items/s ETA %s ",
        "#".repeat(filled), "-".repeat(WIDTH - filled), done, total, fraction * 100, rate, eta);
  }

  static String duration(long seconds) {
    long s = Math.max(0, seconds);
    return s >= 3600
        ? String.format("%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60)
        : String.format("%dm%02ds", s / 60, s % 60);
  }
}
