package dev.cerberus.trainer.stage;

import dev.cerberus.model.heads.DenseLayer;
import dev.cerberus.trainer.train.HeadTask;
import dev.cerberus.trainer.train.TrainingHistory;
import java.util.List;

/**
 * {@link HeadStage}'s output: per head in task order, what it learnt ({@link HeadTask}) and
 * its served layers (standardisation folded in), plus the training curves.
 */
public record TrainedHeads(List<HeadTask> tasks, List<List<DenseLayer>> layers,
    TrainingHistory history) {

  public TrainedHeads {
    tasks = List.copyOf(tasks);
    layers = List.copyOf(layers);
  }

  public List<String> names() {
    return tasks.stream().map(HeadTask::name).toList();
  }
}
