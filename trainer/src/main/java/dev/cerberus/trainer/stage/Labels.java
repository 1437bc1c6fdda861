package dev.cerberus.trainer.stage;

import dev.cerberus.trainer.config.TrainerConfig.HeadSpec;
import dev.cerberus.trainer.data.Sample;
import dev.cerberus.trainer.train.MaskedLoss;
import java.util.List;

/** Label indices of one head's task, {@link MaskedLoss#NO_LABEL} where a sample has none. */
public final class Labels {

  private Labels() {}

  public static int[] of(List<Sample> samples, HeadSpec head) {
    int[] y = new int[samples.size()];
    for (int i = 0; i < y.length; i++) {
      String l = samples.get(i).labels().get(head.task());
      y[i] = l == null ? MaskedLoss.NO_LABEL : head.labels().indexOf(l);
    }
    return y;
  }
}
