package dev.cerberus.trainer.stage;

import dev.cerberus.model.bundle.BundleManifest;
import dev.cerberus.trainer.config.LoadedConfig;
import dev.cerberus.trainer.config.TrainerConfig;
import dev.cerberus.trainer.config.TrainerConfig.HeadSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the config decides for the whole run, derived once by {@link ConfigStage}: the stages
 * after it read these instead of re-deriving them from the raw config.
 *
 * @param decisionHead the head whose answer the unknown decision guards ({@code ood.head})
 * @param backboneFile the whole backbone, or the trunk of a split one (its outputs are cached)
 * @param topFile the split backbone's top as configured; null when not split
 * @param input the bundle's input section (the extractor's preprocessing)
 * @param labelsByTask every task a head reads, with its labels
 * @param headNames task order: the config's heads, then the gate (if any)
 * @param gateName the gate head's name, or null
 */
public record RunPlan(
    LoadedConfig loaded,
    HeadSpec decisionHead,
    Path backboneFile,
    Path topFile,
    BundleManifest.InputSpec input,
    Map<String, List<String>> labelsByTask,
    List<String> headNames,
    String gateName) {

  public RunPlan {
    labelsByTask = Map.copyOf(labelsByTask);
    headNames = List.copyOf(headNames);
  }

  public TrainerConfig config() {
    return loaded.config();
  }

  public boolean split() {
    return topFile != null;
  }

  public boolean hasGate() {
    return gateName != null;
  }

  /** The gate's task index (the last one), or -1. */
  public int gateIndex() {
    return hasGate() ? headNames.size() - 1 : -1;
  }

  public int decisionIndex() {
    return headNames.indexOf(decisionHead.name());
  }

  public long seed() {
    return config().seed();
  }
}
