package dev.cerberus.model.engine;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * Keeps glibc's malloc from handing every freed tensor buffer back to the kernel.
 *
 * <p>Why: a forward pass allocates activation buffers of several MiB (MobileNetV2 at 96 px and
 * batch 16: up to 14 MiB per layer output). Above glibc's mmap threshold each one is a fresh
 * {@code mmap} whose pages the kernel zero-fills on first touch, and {@code free} unmaps it
 * again; measured on the 2-core bench machine that was about 160,000 page faults per second and
 * a quarter of the inference threads' CPU spent in the kernel. Raising the mmap threshold (so
 * such buffers come from malloc's arenas) and the trim threshold (so the arenas keep them)
 * lets the next batch reuse the same pages.
 *
 * <p>Applied once per process, before the first forward pass, through {@code mallopt(3)}. On a
 * platform without glibc this reports that it did nothing; it never fails the caller.
 */
public final class MallocTuning {

  /** mallopt parameter numbers from glibc's malloc.h. */
  private static final int M_TRIM_THRESHOLD = -1;
  private static final int M_MMAP_THRESHOLD = -3;
  /** glibc's upper bound for M_MMAP_THRESHOLD on 64-bit (4 * 1024 * 1024 * sizeof(long)). */
  public static final int MAX_MMAP_THRESHOLD = 32 << 20;
  /** The server's default mmap threshold (cerberus.engine.malloc-mmap-threshold): glibc's maximum. */
  public static final int DEFAULT_MMAP_THRESHOLD = MAX_MMAP_THRESHOLD;
  /** The server's default trim threshold (cerberus.engine.malloc-trim-threshold): above a thread arena's 64 MiB. */
  public static final int DEFAULT_TRIM_THRESHOLD = 128 << 20;

  /** What {@link #apply} did, for the log line. */
  public record Outcome(boolean applied, String detail) {}

  private MallocTuning() {}

  /** The server's defaults: what the trainer and the bench's offline ceiling apply too. */
  public static Outcome applyDefaults() {
    return apply(DEFAULT_MMAP_THRESHOLD, DEFAULT_TRIM_THRESHOLD);
  }

  /**
   * @param mmapThresholdBytes allocations at least this large use mmap; 0 leaves glibc's
   *     (dynamic) default; at most {@link #MAX_MMAP_THRESHOLD}
   * @param trimThresholdBytes free memory at the top of an arena beyond this is returned to the
   *     kernel; 0 leaves glibc's default
   */
  public static Outcome apply(long mmapThresholdBytes, long trimThresholdBytes) {
    if (mmapThresholdBytes < 0 || mmapThresholdBytes > MAX_MMAP_THRESHOLD) {
      throw new IllegalArgumentException("mmap threshold " + mmapThresholdBytes
          + " is outside 0.." + MAX_MMAP_THRESHOLD + " (glibc's limit)");
    }
    if (trimThresholdBytes < 0 || trimThresholdBytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("trim threshold " + trimThresholdBytes
          + " is outside 0.." + Integer.MAX_VALUE);
    }
    if (mmapThresholdBytes == 0 && trimThresholdBytes == 0) {
      return new Outcome(false, "off (glibc defaults)");
    }
    if (!Platform.isLinux()) {
      return new Outcome(false, "not Linux: left to the platform's allocator");
    }
    try {
      Function mallopt = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("mallopt");
      StringBuilder done = new StringBuilder();
      boolean ok = true;
      if (mmapThresholdBytes > 0) {
        ok &= mallopt.invokeInt(new Object[] {M_MMAP_THRESHOLD, (int) mmapThresholdBytes}) == 1;
        done.append("M_MMAP_THRESHOLD=").append(mmapThresholdBytes);
      }
      if (trimThresholdBytes > 0) {
        ok &= mallopt.invokeInt(new Object[] {M_TRIM_THRESHOLD, (int) trimThresholdBytes}) == 1;
        done.append(done.length() > 0 ? " " : "").append("M_TRIM_THRESHOLD=").append(trimThresholdBytes);
      }
      // musl and other libcs may export mallopt as a stub that refuses every parameter
      return ok ? new Outcome(true, done.toString()) : new Outcome(false, "mallopt refused " + done);
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      return new Outcome(false, "mallopt unavailable: " + e.getMessage());
    }
  }
}
