package dev.cerberus.model.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {

  @TempDir Path tmp;

  @Test
  void roundTripsMatricesVectorsAndScalars() throws Exception {
    float[] data = {1f, -2.5f, 3.25f, Float.MIN_VALUE, 1e30f, 0f};
    for (int[] shape : new int[][] {{2, 3}, {6}, {1, 2, 3}}) {
      Path f = tmp.resolve("a.npy");
      Npy.write(f, shape, data);
      Npy.Array back = Npy.read(f);
      assertThat(back.shape()).containsExactly(shape);
      assertThat(back.data()).containsExactly(data);
    }
    Npy.Array scalar = Npy.parse(Npy.toBytes(new Npy.Array(new int[0], new float[] {7f})), "s");
    assertThat(scalar.shape()).isEmpty();
    assertThat(scalar.data()).containsExactly(7f);
  }

  @Test
  void headerIsPaddedToSixtyFourBytesLikeNumpy() {
    byte[] b = Npy.toBytes(new Npy.Array(new int[] {2, 2}, new float[4]));
    assertThat((b.length - 16) % 64).isZero();
    String header = new String(b, 10, b.length - 16 - 10, StandardCharsets.ISO_8859_1);
    assertThat(header).startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }").endsWith("\n");
  }

  @Test
  void readsFormatVersionTwo() throws Exception {
    assertThat(Npy.parse(v2("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 2), "v2").data())
        .containsExactly(0f, 1f);
  }

  @Test
  void rejectsOtherDtypesOrdersAndSizes() {
    assertThatThrownBy(() -> Npy.parse(v2("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", 2), "w.npy"))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("w.npy").hasMessageContaining("'<f8'").hasMessageContaining("allowed: '<f4'");
    assertThatThrownBy(() -> Npy.parse(v2("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", 2), "w.npy"))
        .hasMessageContaining("fortran_order");
    assertThatThrownBy(() -> Npy.parse(v2("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 2), "w.npy"))
        .hasMessageContaining("needs 12 data bytes, file has 8");
    assertThatThrownBy(() -> Npy.parse("PK\3\4 not numpy".getBytes(StandardCharsets.ISO_8859_1), "z.npy"))
        .hasMessageContaining("not a .npy file");
  }

  /** A version 2.0 file with {@code n} float values 0, 1, ... */
  private static byte[] v2(String dict, int n) {
    int len = (12 + dict.length() + 1 + 63) / 64 * 64 - 12;
    String header = dict + " ".repeat(len - dict.length() - 1) + "\n";
    ByteBuffer b = ByteBuffer.allocate(12 + header.length() + 4 * n).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0}).putInt(header.length());
    b.put(header.getBytes(StandardCharsets.ISO_8859_1));
    for (int i = 0; i < n; i++) b.putFloat(i);
    return b.array();
  }
}
