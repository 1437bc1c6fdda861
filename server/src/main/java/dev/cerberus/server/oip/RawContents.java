package dev.cerberus.server.oip;

import com.google.protobuf.ByteString;
import io.grpc.StatusException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The OIP "raw" tensor layout: the flattened row-major elements without padding, fixed-size
 * types little-endian, every BYTES element preceded by its length as a 4-byte little-endian
 * unsigned integer.
 */
final class RawContents {

  private RawContents() {}

  /** Splits a raw BYTES tensor into its elements; {@code what} names the tensor in errors. */
  static List<ByteString> decodeBytes(ByteString raw, String what) throws StatusException {
    ByteBuffer buf = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    List<ByteString> elements = new ArrayList<>();
    while (buf.hasRemaining()) {
      int offset = buf.position();
      if (buf.remaining() < 4) {
        throw OipInvalidRequest.of(
            what + ": raw BYTES content has " + buf.remaining() + " trailing byte(s) at offset "
                + offset + "; every element must start with a 4-byte little-endian length");
      }
      long length = Integer.toUnsignedLong(buf.getInt());
      if (length > buf.remaining()) {
        throw OipInvalidRequest.of(
            what + ": raw BYTES element " + elements.size() + " at offset " + offset
                + " declares " + length + " bytes but only " + buf.remaining() + " follow");
      }
      int start = buf.position();
      elements.add(raw.substring(start, start + (int) length));
      buf.position(start + (int) length);
    }
    return elements;
  }

  /** Reads a raw FP32 tensor; its size must be a multiple of 4. */
  static float[] decodeFp32(ByteString raw, String what) throws StatusException {
    if (raw.size() % Float.BYTES != 0) {
      throw OipInvalidRequest.of(
          what + ": raw FP32 content has " + raw.size()
              + " bytes, which is not a multiple of 4 (little-endian float32 elements)");
    }
    float[] values = new float[raw.size() / Float.BYTES];
    raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    return values;
  }

  static ByteString encodeBytes(List<ByteString> elements) {
    int size = 0;
    for (ByteString e : elements) size += 4 + e.size();
    ByteBuffer buf = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    for (ByteString e : elements) {
      buf.putInt(e.size());
      e.copyTo(buf);
    }
    buf.flip();
    return ByteString.copyFrom(buf);
  }

  static ByteString encodeFp32(float[] values) {
    ByteBuffer buf = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(values);
    return ByteString.copyFrom(buf);
  }

  /** BOOL raw elements are one byte each, 0 or 1. */
  static ByteString encodeBool(boolean[] values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) out[i] = (byte) (values[i] ? 1 : 0);
    return ByteString.copyFrom(out);
  }
}
