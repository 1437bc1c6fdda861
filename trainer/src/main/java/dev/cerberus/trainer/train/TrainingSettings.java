package dev.cerberus.trainer.train;

/** Hyperparameters of {@link JointTrainer}; see TrainerConfig.TrainingSpec for the defaults. */
public record TrainingSettings(int epochs, double learningRate, double weightDecay,
    int batchSize, double oeLambda, boolean balancedClassWeights, int patience, long seed) {}
