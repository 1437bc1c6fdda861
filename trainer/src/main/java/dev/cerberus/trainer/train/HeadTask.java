package dev.cerberus.trainer.train;

/**
 * What one head learns: its shape and loss options. Labels live in {@link TrainingSet}.
 *
 * @param sizes input width, hidden widths..., outputs (1 for binary)
 * @param outlierExposure pushed to uniform on outlier rows (binary: p = 0.5)
 */
public record HeadTask(String name, boolean binary, int[] sizes, boolean outlierExposure) {}
