package dev.cerberus.trainer.config;

import java.util.List;

/**
 * The config rules of {@code flip_features} and {@code flip_tta}, apart from
 * {@link ConfigLoader} to keep that file small.
 *
 * <p>Both need image input (a text has no mirror) and a whole backbone ({@code backbone.file}):
 * a split backbone's trunk outputs are cached for {@code x} only and its top is fine-tuned on
 * {@code f(x)}, so neither the cached maps nor a tuned top would ever see {@code mirror x}.
 * Refusing is the simplest correct rule; a flip-aware split would cache the mirrors' trunk maps
 * too and fine-tune the top through both.
 */
final class FlipCheck {

  private FlipCheck() {}

  static void check(List<String> errors, TrainerConfig c) {
    if (!c.flipFeatures() && !c.flipTta()) {
      return;
    }
    String field = c.flipFeatures() ? "flip_features" : "flip_tta";
    if (c.flipFeatures() && c.flipTta()) {
      errors.add("flip_tta: cannot be true together with flip_features (heads read either "
          + "[f(x), f(x) - f(mirror x)] or the mean of f(x) and f(mirror x); choose one)");
      return;
    }
    if (c.input() != null && !"image".equals(c.input().kind())) {
      errors.add(field + ": only for image input (input.kind is " + c.input().kind()
          + "; a text has no mirror image)");
      return;
    }
    if (c.backbone() != null && c.backbone().split() != null) {
      errors.add(field + ": needs backbone.file (a whole backbone); with backbone.split the "
          + "trunk outputs are cached and the top tuned for x only, never for mirror x");
    }
  }
}
