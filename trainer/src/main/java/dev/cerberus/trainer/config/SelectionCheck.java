package dev.cerberus.trainer.config;

import dev.cerberus.trainer.config.TrainerConfig.TopMode;
import dev.cerberus.trainer.ood.Selection;
import dev.cerberus.trainer.ood.ServedChoice;
import java.util.List;

/** The config rules of {@code ood.selection} and {@code ood.loco}, apart from ConfigLoader. */
final class SelectionCheck {

  private SelectionCheck() {}

  static void check(List<String> errors, TrainerConfig c) {
    var ood = c.ood();
    LocoSpec loco = ood.loco();
    if (ood.selection() != Selection.HOLDOUT && !ServedChoice.AUTO.equals(ood.serve())) {
      errors.add("ood.selection: only with ood.serve: auto (it says what auto chooses on)");
    }
    if (loco.farMinAuroc() < 0 || loco.farMinAuroc() > 1) {
      errors.add("ood.loco.far_min_auroc: in [0,1], got " + loco.farMinAuroc());
    }
    if (loco.headSteps() < 1 || loco.headLearningRate() <= 0) {
      errors.add("ood.loco.head_steps: >= 1 and ood.loco.head_learning_rate: > 0, got "
          + loco.headSteps() + " and " + loco.headLearningRate());
    }
    if (ood.selection() != Selection.LOCO) {
      return;
    }
    if (c.ood().autoMixup() > 0) {
      errors.add("ood.auto_mixup: only with ood.selection: holdout (loco has its own near proxy)");
    }
    var decision = c.heads().stream().filter(h -> ood.head() != null ? h.name().equals(ood.head())
        : "multiclass".equals(h.kind())).findFirst();
    if (decision.isPresent() && decision.get().labels() != null
        && decision.get().labels().size() < 3) {
      errors.add("ood.selection: loco needs a decision head with at least 3 known classes (each"
          + " fold leaves one out and keeps 2 or more), " + decision.get().name() + " has "
          + decision.get().labels().size());
    }
    if (c.heads().stream().anyMatch(h -> h.top() == TopMode.OWN)) {
      errors.add("ood.selection: loco needs every head on the shared top (its folds refit the"
          + " decision head and the gate on the decision head's rows)");
    }
  }
}
