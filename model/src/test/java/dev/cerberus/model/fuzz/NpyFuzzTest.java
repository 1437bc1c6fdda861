package dev.cerberus.model.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cerberus.model.bundle.BundleException;
import dev.cerberus.model.bundle.Npy;
import java.math.BigInteger;
import java.util.Arrays;

/**
 * Bytes from the fuzzer as a {@code .npy} file (bundle weights and OOD statistics). Either an
 * array whose shape holds exactly its values, that writes back and reads again to the same
 * array, or a {@link BundleException} with a readable message. Seeds: NpyFuzzTestInputs.
 */
class NpyFuzzTest {

  @FuzzTest(maxDuration = "10s")
  void parse(byte[] bytes) {
    Npy.Array a;
    try {
      a = Npy.parse(bytes, "weights.npy");
    } catch (BundleException e) {
      FuzzChecks.readable(e.getMessage(), "npy refusal");
      return;
    }
    BigInteger n = BigInteger.ONE;
    for (int d : a.shape()) n = n.multiply(BigInteger.valueOf(d));
    if (!n.equals(BigInteger.valueOf(a.data().length))) {
      throw new AssertionError("shape " + a.shapeText() + " holds " + n + " values, array has "
          + a.data().length);
    }
    Npy.Array again;
    try {
      again = Npy.parse(Npy.toBytes(a), "again.npy");
    } catch (BundleException e) {
      throw new AssertionError("written array does not read back: " + e.getMessage(), e);
    }
    if (!Arrays.equals(a.shape(), again.shape())
        || !Arrays.equals(bits(a.data()), bits(again.data()))) {
      throw new AssertionError("round trip changed " + a.shapeText());
    }
  }

  private static int[] bits(float[] v) {
    int[] out = new int[v.length];
    for (int i = 0; i < v.length; i++) out[i] = Float.floatToRawIntBits(v[i]);
    return out;
  }
}
