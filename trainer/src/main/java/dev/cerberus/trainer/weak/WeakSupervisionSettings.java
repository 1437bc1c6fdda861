package dev.cerberus.trainer.weak;

import dev.cerberus.trainer.config.TrainerConfig.WeakSupervisionSpec;
import java.util.List;

/**
 * Typed {@code weak_supervision} settings.
 *
 * @param threshold hard mode: the least confidence (max class probability) that gives a row a
 *     pseudo-label, in (0.5, 1]; not used in soft mode
 * @param confidenceWeighting weigh each pseudo-label by its confidence weight
 *     ({@link CrossLabeller#confidenceWeight}); off = weight 1
 * @param sources the heads whose own probabilities label the rows they have no label for
 */
public record WeakSupervisionSettings(PseudoLabelMode mode, double threshold,
    boolean confidenceWeighting, List<String> sources) {

  public static final double DEFAULT_THRESHOLD = 0.9;

  public WeakSupervisionSettings {
    sources = List.copyOf(sources);
    if (mode == PseudoLabelMode.HARD && !(threshold > 0.5 && threshold <= 1)) {
      throw new IllegalArgumentException("weak_supervision.threshold: in (0.5, 1], got "
          + threshold);
    }
  }

  /**
   * From a validated config section; {@code headNames} are the config's heads, in order (the
   * sources default to all of them).
   */
  public static WeakSupervisionSettings from(WeakSupervisionSpec spec, List<String> headNames) {
    PseudoLabelMode mode = PseudoLabelMode.fromConfig(spec.mode());
    double threshold = spec.threshold() == null ? DEFAULT_THRESHOLD : spec.threshold();
    return new WeakSupervisionSettings(mode, threshold, spec.confidenceWeighting(),
        spec.sources() == null ? headNames : spec.sources());
  }
}
