package dev.cerberus.client.cli;

import java.io.PrintWriter;
import java.util.ArrayDeque;
import java.util.function.LongSupplier;

/**
 * Items done out of total, rate and ETA on stderr: redrawn in place on a terminal, one log line
 * every {@link #LOG_LINE_NANOS} otherwise. The rate is measured from the first answered item on
 * and over the last {@link #WINDOW_NANOS} only, so the wait for the first answer (connection,
 * server warm-up) does not turn into an ETA of hours, and a run that slows down shows it.
 */
final class ProgressBar {
  static final long TERMINAL_REDRAW_NANOS = 200_000_000L;
  /** Non-terminal (a log file, CI): a line this often, the first one after this long. */
  static final long LOG_LINE_NANOS = 3_000_000_000L;
  /** The moving window the rate (and ETA) is computed from. */
  static final long WINDOW_NANOS = 10_000_000_000L;
  /** Below this much measured time there is no rate to speak of. */
  static final long MIN_SPAN_NANOS = 1_000_000_000L;
  /** One sample per this interval keeps the window small at thousands of items a second. */
  static final long SAMPLE_NANOS = 100_000_000L;
  private static final int WIDTH = 24;

  private record Sample(long nanos, long done) {}

  private final PrintWriter out;
  private final long total;
  private final boolean terminal;
  private final LongSupplier clock;
  private final ArrayDeque<Sample> window = new ArrayDeque<>();
  private long lastDraw;

  ProgressBar(PrintWriter out, long total, boolean terminal, LongSupplier nanoClock) {
    this.out = out;
    this.total = total;
    this.terminal = terminal;
    this.clock = nanoClock;
    long start = nanoClock.getAsLong();
    // a terminal shows the bar at once; a log gets a line once there is a rate to report
    this.lastDraw = terminal ? start - TERMINAL_REDRAW_NANOS : start;
  }

  synchronized void update(long done) {
    long now = clock.getAsLong();
    record(now, done);
    long interval = terminal ? TERMINAL_REDRAW_NANOS : LOG_LINE_NANOS;
    if (now - lastDraw < interval || (!terminal && Double.isNaN(rate(done, now)))) {
      return;
    }
    lastDraw = now;
    draw(done, now);
  }

  synchronized void finish(long done) {
    long now = clock.getAsLong();
    record(now, done);
    draw(done, now);
    if (terminal) {
      out.println();
    }
    out.flush();
  }

  private void record(long now, long done) {
    if (window.isEmpty() || now - window.peekLast().nanos() >= SAMPLE_NANOS) {
      window.addLast(new Sample(now, done));
    }
    // keep the newest sample that is at least a window old, so the span covers the window
    while (window.size() > 2 && now - secondOldest().nanos() >= WINDOW_NANOS) {
      window.removeFirst();
    }
  }

  private Sample secondOldest() {
    var it = window.iterator();
    it.next();
    return it.next();
  }

  private void draw(long done, long now) {
    out.print((terminal ? "\r" : "") + render(done, now));
    if (!terminal) {
      out.println();
    }
    out.flush();
  }

  /** Items per second over the window ending now; NaN while it spans under a second. */
  double rate(long done, long now) {
    Sample oldest = window.peekFirst();
    if (oldest == null) {
      return Double.NaN;
    }
    long span = now - oldest.nanos();
    return span < MIN_SPAN_NANOS ? Double.NaN : (done - oldest.done()) / (span / 1e9);
  }

  String render(long done, long now) {
    double fraction = total == 0 ? 1.0 : Math.min(1.0, (double) done / total);
    double rate = rate(done, now);
    String speed = Double.isNaN(rate) ? "-- items/s" : String.format("%.1f items/s", rate);
    String eta = done >= total ? "0m00s"
        : rate > 0 ? duration((long) Math.ceil((total - done) / rate)) : "--";
    if (!terminal) {
      long span = window.isEmpty() ? 0 : Math.min(WINDOW_NANOS, now - window.peekFirst().nanos());
      return String.format("bulk: %d/%d %.0f%%, %s over the last %ds, ETA %s", done, total,
          fraction * 100, speed, span / 1_000_000_000L, eta);
    }
    int filled = (int) Math.round(fraction * WIDTH);
    return String.format("[%s%s] %d/%d %3.0f%% %s ETA %s ",
        "#".repeat(filled), "-".repeat(WIDTH - filled), done, total, fraction * 100, speed, eta);
  }

  static String duration(long seconds) {
    long s = Math.max(0, seconds);
    return s >= 3600
        ? String.format("%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60)
        : String.format("%dm%02ds", s / 60, s % 60);
  }
}
