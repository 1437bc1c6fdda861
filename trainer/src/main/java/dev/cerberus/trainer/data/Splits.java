package dev.cerberus.trainer.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** Train / validation / test samples; missing parts are carved from train by a seeded split. */
public record Splits(List<Sample> train, List<Sample> val, List<Sample> test) {

  public Splits {
    train = List.copyOf(train);
    val = List.copyOf(val);
    test = List.copyOf(test);
  }

  public static Splits of(List<Sample> train, List<Sample> val, List<Sample> test,
      double valFraction, double testFraction, long seed) {
    if (!val.isEmpty() && !test.isEmpty()) {
      return new Splits(train, val, test);
    }
    List<Sample> pool = new ArrayList<>(train);
    Collections.shuffle(pool, new Random(seed));
    int n = pool.size();
    int nTest = test.isEmpty() ? (int) Math.round(n * testFraction) : 0;
    int nVal = val.isEmpty() ? (int) Math.round(n * valFraction) : 0;
    List<Sample> t = test.isEmpty() ? pool.subList(0, nTest) : test;
    List<Sample> v = val.isEmpty() ? pool.subList(nTest, nTest + nVal) : val;
    return new Splits(pool.subList(nTest + nVal, n), v, t);
  }
}
