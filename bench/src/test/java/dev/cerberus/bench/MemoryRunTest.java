package dev.cerberus.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryRunTest {

  @Test
  void theTrendIgnoresASawToothButSeesAClimb() {
    List<Long> x = new ArrayList<>();
    List<Double> flat = new ArrayList<>();
    List<Double> climbing = new ArrayList<>();
    for (int i = 0; i < 200; i++) { // ten whole teeth
      x.add(i * 1000L);
      double tooth = (i % 20) * 6.0; // 0..114 MB, repeating
      flat.add(800 + tooth);
      climbing.add(800 + tooth + i * 0.5);
    }
    double[] f = MemoryRun.leastSquares(x, flat);
    assertThat(f[1] * 200_000 / f[0]).isCloseTo(0, within(0.02));
    double[] c = MemoryRun.leastSquares(x, climbing);
    assertThat(c[1] * 1000).isCloseTo(0.5, within(0.1)); // 0.5 MB per 1,000 requests
  }
}
