package dev.cerberus.trainer.stage;

import dev.cerberus.trainer.config.TrainerConfig;
import dev.cerberus.trainer.config.TrainerConfig.HeadSpec;
import dev.cerberus.trainer.config.TrainerConfig.SourceSpec;
import dev.cerberus.trainer.data.DataException;
import dev.cerberus.trainer.data.Item;
import dev.cerberus.trainer.data.Sample;
import dev.cerberus.trainer.data.SourceReader;
import dev.cerberus.trainer.data.Splits;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Stage 2, {@link RunPlan} -> {@link Datasets}: reads every source, splits train / val / test
 * (seeded where the config gives no explicit set) and holds out part of the training outliers
 * for validation. Everything here fails before the backbone is touched.
 */
public final class DatasetStage {

  private DatasetStage() {}

  public static Datasets read(RunPlan plan, PrintStream log) {
    TrainerConfig c = plan.config();
    SourceReader reader = new SourceReader(plan.loaded().base(), plan.labelsByTask(),
        "fail".equals(c.data().onEmptyLine()), c.seed());
    Splits splits = Splits.of(reader.readLabelled(c.data().train()),
        reader.readLabelled(c.data().val()), reader.readLabelled(c.data().test()),
        c.data().valFraction(), c.data().testFraction(), c.seed());
    for (int i = 0; i < c.heads().size(); i++) {
      HeadSpec h = c.heads().get(i);
      if (splits.train().stream().noneMatch(s -> s.labels().containsKey(h.task()))) {
        throw new DataException("head '" + h.name() + "': no labelled samples for task '"
            + h.task() + "' in data.train");
      }
      // a declared class without a training sample cannot be learnt: say so before any work
      for (String label : h.labels()) {
        if (splits.train().stream().noneMatch(s -> label.equals(s.labels().get(h.task())))) {
          throw new DataException("heads[" + i + "] (" + h.name() + ").labels: '" + label
              + "' has no training sample in data.train (task '" + h.task() + "')");
        }
      }
    }
    List<Item> outliers = new ArrayList<>();
    for (SourceSpec s : c.outliers()) {
      outliers.addAll(reader.readUnlabelled(s));
    }
    Map<SetId, List<Sample>> sets = new LinkedHashMap<>();
    sets.put(SetId.of(SetRole.TRAIN), splits.train());
    sets.put(SetId.of(SetRole.VAL), splits.val());
    sets.put(SetId.of(SetRole.TEST), splits.test());
    List<List<Item>> held = holdOut(outliers, c.ood().holdoutFraction(), c.seed() + 1);
    sets.put(SetId.of(SetRole.OUTLIERS_TRAIN), unlabelled(held.get(0)));
    sets.put(SetId.of(SetRole.OUTLIERS_VAL), unlabelled(held.get(1)));
    for (SourceSpec s : c.oodSets()) {
      sets.put(SetId.ood(s.name()), unlabelled(reader.readUnlabelled(s)));
    }
    Datasets d = new Datasets(sets, reader.skippedEmptyLines());
    log.printf("data: train %d, val %d, test %d, outliers %d, OOD sets %s (empty lines skipped: %d)%n",
        splits.train().size(), splits.val().size(), splits.test().size(), outliers.size(),
        d.oodSizes(), reader.skippedEmptyLines());
    return d;
  }

  /**
   * Seeded shuffle, then the first {@code fraction} ({@code ood.holdout_fraction}) is held out:
   * [train, held out]. The held-out part never takes a gradient step (outlier exposure, top
   * fine-tuning and the gate read outliers-train only): validation loss and {@code serve: auto}.
   */
  static List<List<Item>> holdOut(List<Item> outliers, double fraction, long seed) {
    List<Item> shuffled = new ArrayList<>(outliers);
    Collections.shuffle(shuffled, new Random(seed));
    int nVal = (int) Math.round(shuffled.size() * fraction);
    return List.of(List.copyOf(shuffled.subList(nVal, shuffled.size())),
        List.copyOf(shuffled.subList(0, nVal)));
  }

  private static List<Sample> unlabelled(List<Item> items) {
    return items.stream().map(i -> new Sample(i, Map.of())).toList();
  }
}
