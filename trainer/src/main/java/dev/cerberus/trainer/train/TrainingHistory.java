package dev.cerberus.trainer.train;

import java.util.List;

/** Per epoch: mean training loss and validation loss (sum over heads); the epoch kept. */
public record TrainingHistory(List<Double> trainLoss, List<Double> valLoss, int bestEpoch,
    boolean stoppedEarly, double seconds) {}
