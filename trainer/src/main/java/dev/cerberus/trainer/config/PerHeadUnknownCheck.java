package dev.cerberus.trainer.config;

import dev.cerberus.trainer.ood.ServedChoice;
import java.util.List;
import java.util.TreeSet;

/**
 * The config rules of per-head unknown policies ({@code ood.per_head},
 * {@code heads[].unknown_method}), apart from {@link ConfigLoader} to keep that file small.
 */
final class PerHeadUnknownCheck {

  private PerHeadUnknownCheck() {}

  /**
   * @param gateReported whether the loader already reported "gate needs a gate: section" for
   *     {@code ood.methods} (then a per-head gate adds nothing new: one problem, one line)
   */
  static void check(List<String> errors, TrainerConfig c, boolean gateReported) {
    var ood = c.ood();
    for (int i = 0; i < c.heads().size(); i++) {
      var h = c.heads().get(i);
      String field = "heads[" + i + "] (" + h.name() + ").unknown_method";
      if (h.unknownMethod() != null && !ood.perHead()) {
        errors.add(field + ": needs ood.per_head: true (only per-head policies use it)");
        continue;
      }
      if (h.unknownMethod() != null && !ConfigLoader.OOD_METHODS.contains(h.unknownMethod())) {
        errors.add(field + ": unknown method " + h.unknownMethod() + "; allowed "
            + new TreeSet<>(ConfigLoader.OOD_METHODS));
        continue;
      }
      if (ood.perHead() && h.unknownMethod() == null && ServedChoice.AUTO.equals(ood.serve())) {
        errors.add(field + ": required with ood.serve: auto and ood.per_head (auto chooses the"
            + " top-level policy only)");
        continue;
      }
      if (!ood.perHead() || c.gate() != null || gateReported) {
        continue;
      }
      String m = h.unknownMethodOr(ood.serve());
      if ("gate".equals(m) || ("fusion".equals(m) && ood.fusion().contains("gate"))) {
        errors.add((h.unknownMethod() != null ? field : "ood.per_head") + ": method " + m
            + " of head " + h.name() + " needs a gate: section (the gate head to train)");
        return;
      }
    }
    if (!ood.perHead() && ood.topLevel() != TrainerConfig.TopLevel.SERVED) {
      errors.add("ood.top_level: none needs ood.per_head: true (else nothing would decide)");
    }
  }
}
