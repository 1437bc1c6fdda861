package dev.cerberus.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
  private static final long MS = 1_000_000L;

  private final AtomicLong clock = new AtomicLong(0);
  private final StringWriter text = new StringWriter();

  private List<String> lines() {
    return text.toString().lines().toList();
  }

  /**
   * A run whose first item took 1.3 s (connection, warm-up) and then ran at 100 items/s: the
   * first log line comes after LOG_LINE_NANOS, not at the first item, and every line's rate and
   * ETA are those since the first answer and within the window, not of the slow start.
   */
  @Test
  void logLinesComeEveryFewSecondsWithTheRateOfTheLastWindow() {
    ProgressBar bar = new ProgressBar(new PrintWriter(text), 10_000, false, clock::get);
    clock.set(1300 * MS);
    bar.update(1);
    assertThat(lines()).as("nothing at the first item").isEmpty();
    long done = 1;
    // 100 items/s: one item every 10 ms, for 20 s
    for (int i = 0; i < 2000; i++) {
      clock.addAndGet(10 * MS);
      bar.update(++done);
    }
    List<String> lines = lines();
    // 21.3 s of run: a line at 3, 6, ..., 21 s
    assertThat(lines).hasSize(7);
    // the first line, 1.7 s after the first answer: its rate leaves out the 1.3 s wait for it
    assertThat(lines.get(0)).startsWith("bulk: 171/10000 2%, 100.0 items/s over the last 1s");
    String last = lines.get(lines.size() - 1);
    // 21 s in: about 1,971 done; the window's rate is 100/s: ETA (10,000 - 1,971) / 100 = 81 s
    assertThat(last).containsPattern("bulk: 19\\d\\d/10000 20%, 100\\.0 items/s over the last"
        + " 10s, ETA 1m2[01]s");
  }

  @Test
  void rateFollowsASlowDownWithinOneWindow() {
    ProgressBar bar = new ProgressBar(new PrintWriter(text), 100_000, false, clock::get);
    long done = 0;
    for (int i = 0; i < 3000; i++) { // 30 s at 100/s
      clock.addAndGet(10 * MS);
      bar.update(++done);
    }
    for (int i = 0; i < 120; i++) { // then 12 s at 10/s
      clock.addAndGet(100 * MS);
      bar.update(++done);
    }
    assertThat(bar.rate(done, clock.get())).isBetween(9.0, 11.0);
  }

  @Test
  void noRateBeforeASecondIsMeasured() {
    ProgressBar bar = new ProgressBar(new PrintWriter(text), 50, true, clock::get);
    clock.set(200 * MS);
    bar.update(1);
    assertThat(text.toString()).contains("1/50").contains("-- items/s ETA --");
    clock.set(2000 * MS);
    bar.finish(50);
    assertThat(text.toString()).contains("50/50 100%").contains("ETA 0m00s");
  }

  @Test
  void durationsReadAsHoursMinutesSeconds() {
    assertThat(ProgressBar.duration(81)).isEqualTo("1m21s");
    assertThat(ProgressBar.duration(12_780)).isEqualTo("3h33m00s");
  }
}
