package dev.cerberus.trainer.stage;

import dev.cerberus.trainer.weak.WeakSupervisionStage;
import dev.cerberus.model.heads.DenseLayer;
import dev.cerberus.trainer.train.HeadTask;
import dev.cerberus.trainer.train.TrainingHistory;
import java.util.List;

/**
 * {@link HeadStage}'s output: per head in task order, what it learnt ({@link HeadTask}) and
 * its served layers (standardisation folded in), plus the training curves.
 *
 * @param weakSupervision per head what cross-labelling added before the second training;
 *     empty when {@code weak_supervision} is not set
 */
public record TrainedHeads(List<HeadTask> tasks, List<List<DenseLayer>> layers,
    TrainingHistory history, List<WeakSupervisionStage.HeadReport> weakSupervision) {

  public TrainedHeads {
    tasks = List.copyOf(tasks);
    layers = List.copyOf(layers);
    weakSupervision = List.copyOf(weakSupervision);
  }

  /** Heads trained once, masked-only. */
  public TrainedHeads(List<HeadTask> tasks, List<List<DenseLayer>> layers,
      TrainingHistory history) {
    this(tasks, layers, history, List.of());
  }

  public List<String> names() {
    return tasks.stream().map(HeadTask::name).toList();
  }
}
