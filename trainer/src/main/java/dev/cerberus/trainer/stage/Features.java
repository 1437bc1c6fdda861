package dev.cerberus.trainer.stage;

/** {@link FeatureStage}'s output: every set's backbone (or trunk) rows and how they were made. */
public record Features(FeatureSets sets, Extraction extraction) {}
