package dev.cerberus.trainer.finetune;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Run-wide settings of top fine-tuning.
 *
 * @param device cpu or gpu ({@code backbone.device})
 * @param featureBatchSize items per forward when computing features ({@code backbone.batch_size})
 * @param seed shuffles and outlier sampling; each head adds its index so heads differ
 * @param outDir where the tuned top files are written, one per head: {@code top-<head>.pt}
 * @param log progress lines
 */
public record TopSettings(String device, int featureBatchSize, long seed, Path outDir,
    PrintStream log) {}
