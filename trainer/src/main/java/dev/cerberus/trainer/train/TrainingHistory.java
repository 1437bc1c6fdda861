package dev.cerberus.trainer.train;

import java.util.List;

/**
 * Per epoch: mean training loss and validation loss (sum over heads); per head, the epoch whose
 * weights were kept (1-based).
 */
public record TrainingHistory(List<Double> trainLoss, List<Double> valLoss,
    List<Integer> bestEpochs, boolean stoppedEarly, double seconds) {
  public TrainingHistory {
    trainLoss = List.copyOf(trainLoss);
    valLoss = List.copyOf(valLoss);
    bestEpochs = List.copyOf(bestEpochs);
  }
}
