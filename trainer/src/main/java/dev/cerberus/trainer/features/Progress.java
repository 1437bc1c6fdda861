package dev.cerberus.trainer.features;

import java.io.PrintStream;

/** A one-line progress bar on stderr with rate and ETA; redrawn at most every 250 ms. */
public final class Progress {
  private final String label;
  private final long total;
  private final PrintStream out;
  private final long start = System.nanoTime();
  private long lastDraw;
  private long done;

  public Progress(String label, long total, PrintStream out) {
    this.label = label;
    this.total = total;
    this.out = out;
  }

  public void advance(long n) {
    done += n;
    long now = System.nanoTime();
    if (now - lastDraw > 250_000_000L || done >= total) {
      lastDraw = now;
      draw(now);
    }
  }

  public double ratePerSecond() {
    double s = (System.nanoTime() - start) / 1e9;
    return s <= 0 ? 0 : done / s;
  }

  public double seconds() {
    return (System.nanoTime() - start) / 1e9;
  }

  private void draw(long now) {
    double rate = ratePerSecond();
    int width = 30;
    int filled = total == 0 ? width : (int) (width * done / total);
    String eta = rate > 0 ? String.format("%.0fs", (total - done) / rate) : "?";
    out.printf("\r%-18s [%s%s] %d/%d %5.1f/s ETA %s   ", label, "#".repeat(filled),
        ".".repeat(width - filled), done, total, rate, eta);
    if (done >= total) {
      out.printf("%n");
    }
    out.flush();
  }
}
