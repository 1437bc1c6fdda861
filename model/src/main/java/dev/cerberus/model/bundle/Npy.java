package dev.cerberus.model.bundle;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} files restricted to what bundles use: format 1.0 or 2.0, dtype
 * {@code <f4}, C order. Anything else is refused with a message naming the file, because a
 * silently misread weight matrix would serve wrong answers.
 */
public final class Npy {

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  /** A float32 array: its shape and its values in C order. */
  public record Array(int[] shape, float[] data) {
    public Array {
      long n = 1;
      for (int d : shape) n *= d;
      if (n != data.length) {
        throw new IllegalArgumentException(
            "shape " + Arrays.toString(shape) + " needs " + n + " values, got " + data.length);
      }
    }

    /** Size of dimension {@code i}. */
    public int dim(int i) {
      return shape[i];
    }

    public int rank() {
      return shape.length;
    }

    /** A [rows, cols] view copied into rows (for small matrices such as OOD statistics). */
    public float[][] rows() {
      if (shape.length != 2) throw new IllegalStateException("not a matrix: " + shapeText());
      float[][] out = new float[shape[0]][];
      for (int r = 0; r < shape[0]; r++) {
        out[r] = Arrays.copyOfRange(data, r * shape[1], (r + 1) * shape[1]);
      }
      return out;
    }

    public String shapeText() {
      return Arrays.toString(shape);
    }
  }

  private Npy() {}

  public static Array read(Path file) throws BundleException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new BundleException(file + ": cannot read .npy file: " + e.getMessage(), e);
    }
    return parse(bytes, file.toString());
  }

  /** Parses the bytes of a .npy file; {@code name} only labels error messages. */
  public static Array parse(byte[] bytes, String name) throws BundleException {
    if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), MAGIC)) {
      throw new BundleException(name + ": not a .npy file (missing \\x93NUMPY magic)");
    }
    int major = bytes[6];
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int headerLen;
    int headerStart;
    if (major == 1) {
      headerLen = Short.toUnsignedInt(buf.getShort(8));
      headerStart = 10;
    } else if (major == 2) {
      if (bytes.length < 12) throw new BundleException(name + ": truncated .npy header");
      headerLen = buf.getInt(8);
      headerStart = 12;
    } else {
      throw new BundleException(
          name + ": .npy format version " + major + " is not supported (allowed: 1.0, 2.0)");
    }
    if (headerLen < 0 || headerStart + headerLen > bytes.length) {
      throw new BundleException(name + ": truncated .npy header");
    }
    String header = new String(bytes, headerStart, headerLen, StandardCharsets.ISO_8859_1);
    String descr = group(DESCR, header, name, "descr");
    if (!descr.equals("<f4")) {
      throw new BundleException(
          name + ": dtype '" + shown(descr) + "' is not supported (allowed: '<f4', little-endian float32)");
    }
    if (group(FORTRAN, header, name, "fortran_order").equals("True")) {
      throw new BundleException(name + ": fortran_order arrays are not supported (use C order)");
    }
    int[] shape = parseShape(group(SHAPE, header, name, "shape"), name);
    long count = 1;
    for (int d : shape) count *= d;
    int dataStart = headerStart + headerLen;
    if ((long) bytes.length - dataStart != count * 4) {
      throw new BundleException(
          name
              + ": shape "
              + Arrays.toString(shape)
              + " needs "
              + count * 4
              + " data bytes, file has "
              + (bytes.length - dataStart));
    }
    float[] data = new float[(int) count];
    buf.position(dataStart);
    buf.asFloatBuffer().get(data);
    return new Array(shape, data);
  }

  /**
   * Header text as it may appear in a message: the header comes from the file, and a newline
   * or other control character in it would split or forge a log line (found by NpyFuzzTest).
   */
  private static String shown(String headerText) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < headerText.length() && out.length() < 64; i++) {
      char c = headerText.charAt(i);
      out.append(Character.isISOControl(c) ? String.format("\\x%02x", (int) c) : String.valueOf(c));
    }
    return headerText.length() > 64 ? out + "..." : out.toString();
  }

  private static String group(Pattern p, String header, String name, String key)
      throws BundleException {
    Matcher m = p.matcher(header);
    if (!m.find()) throw new BundleException(name + ": .npy header has no '" + key + "'");
    return m.group(1);
  }

  private static int[] parseShape(String text, String name) throws BundleException {
    String[] parts = text.split(",");
    int n = 0;
    int[] shape = new int[parts.length];
    for (String p : parts) {
      String t = p.trim();
      if (t.isEmpty()) continue;
      try {
        shape[n++] = Integer.parseInt(t.endsWith("L") ? t.substring(0, t.length() - 1) : t);
      } catch (NumberFormatException e) {
        throw new BundleException(name + ": bad .npy shape (" + shown(text) + ")");
      }
      if (shape[n - 1] < 0) throw new BundleException(name + ": negative .npy dimension");
    }
    return Arrays.copyOf(shape, n);
  }

  /** Writes format 1.0 (2.0 when the header needs it), {@code <f4}, C order. */
  public static void write(Path file, Array array) throws IOException {
    Files.write(file, toBytes(array));
  }

  public static void write(Path file, int[] shape, float[] data) throws IOException {
    write(file, new Array(shape, data));
  }

  public static byte[] toBytes(Array array) {
    int[] dims = array.shape();
    String joined =
        java.util.stream.IntStream.of(dims)
            .mapToObj(Integer::toString)
            .collect(java.util.stream.Collectors.joining(", "));
    String shape = "(" + joined + (dims.length == 1 ? ",)" : ")");
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    // header (magic + version + length + dict + padding + \n) is a multiple of 64 bytes
    int prefix = 10;
    int total = ((prefix + dict.length() + 1 + 63) / 64) * 64;
    boolean v2 = total - prefix > 0xFFFF;
    if (v2) {
      prefix = 12;
      total = ((prefix + dict.length() + 1 + 63) / 64) * 64;
    }
    int headerLen = total - prefix;
    String header = dict + " ".repeat(headerLen - dict.length() - 1) + "\n";
    ByteBuffer buf =
        ByteBuffer.allocate(total + array.data().length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buf.put(MAGIC).put((byte) (v2 ? 2 : 1)).put((byte) 0);
    if (v2) buf.putInt(headerLen);
    else buf.putShort((short) headerLen);
    buf.put(header.getBytes(StandardCharsets.ISO_8859_1));
    buf.asFloatBuffer().put(array.data());
    return buf.array();
  }
}
