package dev.cerberus.model.bundle;

/**
 * How a bundle's features use the mirror image (docs/bundle.md, {@code flip_features} and
 * {@code flip_tta}). With {@code f} the backbone and {@code m} the horizontal flip of the
 * preprocessed image: {@link #NONE} gives {@code f(x)} ({@code F} values); {@link #FEATURES}
 * gives {@code [f(x), f(x) - f(m(x))]} ({@code 2F}: the difference is what tells left-facing
 * from right-facing); {@link #TTA} gives {@code (f(x) + f(m(x))) / 2} ({@code F}: exactly the
 * same for an image and its mirror, so every head is flip-invariant).
 */
public enum FlipMode {
  NONE,
  FEATURES,
  TTA;

  /** The backbone also runs on the mirror of every image. */
  public boolean mirrors() {
    return this != NONE;
  }

  /** Feature width over the backbone's {@code feature_size}. */
  public int widthFactor() {
    return this == FEATURES ? 2 : 1;
  }

  /** The mode of a manifest's two flags (at most one is true: the reader checks that). */
  public static FlipMode of(boolean flipFeatures, boolean flipTta) {
    return flipFeatures ? FEATURES : flipTta ? TTA : NONE;
  }
}
