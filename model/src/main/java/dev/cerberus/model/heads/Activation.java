package dev.cerberus.model.heads;

import java.util.Locale;

/** Activation after a dense layer, as named in bundle.json ({@code layers[].activation}). */
public enum Activation {
  NONE,
  RELU,
  /** Exact (erf) GELU, as PyTorch's default {@code nn.GELU()}. */
  GELU,
  TANH;

  /** Parses the manifest name; null when the name is unknown. */
  public static Activation fromName(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "none" -> NONE;
      case "relu" -> RELU;
      case "gelu" -> GELU;
      case "tanh" -> TANH;
      default -> null;
    };
  }

  public String manifestName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Applies the activation in place to {@code v[from, to)}. */
  public void applyInPlace(float[] v, int from, int to) {
    switch (this) {
      case NONE -> {}
      case RELU -> {
        for (int i = from; i < to; i++) if (v[i] < 0f) v[i] = 0f;
      }
      case TANH -> {
        for (int i = from; i < to; i++) v[i] = (float) Math.tanh(v[i]);
      }
      case GELU -> {
        for (int i = from; i < to; i++) v[i] = (float) (0.5 * v[i] * (1 + erf(v[i] / Math.sqrt(2))));
      }
    }
  }

  /** erf with absolute error below 1.2e-7 (Numerical Recipes erfc, Chebyshev fit). */
  static double erf(double x) {
    double z = Math.abs(x);
    double t = 1 / (1 + 0.5 * z);
    double r =
        t
            * Math.exp(
                -z * z
                    - 1.26551223
                    + t
                        * (1.00002368
                            + t
                                * (0.37409196
                                    + t
                                        * (0.09678418
                                            + t
                                                * (-0.18628806
                                                    + t
                                                        * (0.27886807
                                                            + t
                                                                * (-1.13520398
                                                                    + t
                                                                        * (1.48851587
                                                                            + t
                                                                                * (-0.82215223
                                                                                    + t
                                                                                        * 0.17087277)))))))));
    return x >= 0 ? 1 - r : r - 1;
  }
}
