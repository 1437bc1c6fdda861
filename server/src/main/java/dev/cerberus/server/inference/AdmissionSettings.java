package dev.cerberus.server.inference;

/**
 * Admission knobs against overload (issue 15 defects 2 and 3), filled from ServerSettings; see
 * docs/settings.md.
 *
 * @param maxRequestPixels most image pixels one call may declare in total (headers summed
 *     before any decoding); more is INVALID_ARGUMENT for the whole call
 *     (cerberus.limits.max-request-pixels)
 * @param deadlineAware refuse at once a call whose expected wait exceeds its deadline, and drop
 *     before the forward pass the items whose deadline would pass before their batch finishes
 *     (cerberus.admission.deadline-aware)
 * @param ewmaWeight weight of each new forward-pass time in the moving average the expected
 *     wait is computed from (cerberus.admission.ewma-weight)
 * @param deadlineHeadroom share (0..1] of a call's remaining deadline its expected wait may
 *     take; the rest absorbs what the estimate leaves out (decode, batching delay, the reply)
 *     and the estimate's own error (cerberus.admission.deadline-headroom)
 */
public record AdmissionSettings(long maxRequestPixels, boolean deadlineAware, double ewmaWeight,
    double deadlineHeadroom) {

  public AdmissionSettings {
    if (maxRequestPixels < 1) {
      throw new IllegalArgumentException("max request pixels must be >= 1");
    }
    if (!(ewmaWeight > 0 && ewmaWeight <= 1)) {
      throw new IllegalArgumentException("EWMA weight must be in (0, 1], got " + ewmaWeight);
    }
    if (!(deadlineHeadroom > 0 && deadlineHeadroom <= 1)) {
      throw new IllegalArgumentException(
          "deadline headroom must be in (0, 1], got " + deadlineHeadroom);
    }
  }

  /** With the default deadline headroom. */
  public AdmissionSettings(long maxRequestPixels, boolean deadlineAware, double ewmaWeight) {
    this(maxRequestPixels, deadlineAware, ewmaWeight, DEFAULT_HEADROOM);
  }

  /** Measured with `bench deadline` (bench/README.md): 1.0 left most admitted items late. */
  public static final double DEFAULT_HEADROOM = 0.5;

  /** 100 Mpx per call, deadline-aware, weight 0.2. */
  public static AdmissionSettings defaults() {
    return new AdmissionSettings(100_000_000L, true, 0.2);
  }
}
