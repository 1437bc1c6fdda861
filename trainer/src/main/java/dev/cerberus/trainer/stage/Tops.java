package dev.cerberus.trainer.stage;

import java.nio.file.Path;

/**
 * {@link TopStage}'s output.
 *
 * @param features what each head reads from here on
 * @param topFile the split backbone's top as the bundle will serve it (a temporary file the
 *     run deletes), or null for a backbone that is not split
 * @param fineTune what fine-tuning did, or null when the top was not fine-tuned
 */
public record Tops(HeadFeatures features, Path topFile, FineTuneReport fineTune) {}
