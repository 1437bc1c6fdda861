package dev.cerberus.server.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import dev.cerberus.proto.oip.InferTensorContents;
import java.math.BigInteger;
import java.util.Arrays;

/**
 * The tensor data types of the v2 protocol ("Tensor Data Types" in the KServe spec) and how a
 * JSON element of each goes into the typed contents of the gRPC message. Elements are not
 * coerced: a string in FP32 data, 1.5 in INT32 data or 300 in UINT8 data is an error naming
 * the element, so a client bug never turns into a silent wrong answer.
 */
enum TensorDatatype {
  BOOL(1), UINT8(1), UINT16(2), UINT32(4), UINT64(8), INT8(1), INT16(2), INT32(4), INT64(8),
  FP16(2), FP32(4), FP64(8), BYTES(-1);

  private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  /** Bytes per element in the binary layout; -1 for BYTES (each element length-prefixed). */
  final int size;

  TensorDatatype(int size) {
    this.size = size;
  }

  /** The type named {@code name} (case-sensitive, as the spec says), or a 400 listing them. */
  static TensorDatatype of(String name, String what) {
    for (TensorDatatype t : values()) {
      if (t.name().equals(name)) return t;
    }
    throw RestError.badRequest(what + " has datatype '" + name + "'; the v2 datatypes are "
        + Arrays.toString(values()));
  }

  /** Adds one JSON element to the contents field of this type; {@code at} names it in errors. */
  void add(JsonNode e, InferTensorContents.Builder c, String at) {
    switch (this) {
      case BOOL -> {
        if (!e.isBoolean()) throw wrong(e, at, "true or false");
        c.addBoolContents(e.booleanValue());
      }
      case INT8 -> c.addIntContents((int) integer(e, at, -128, 127));
      case INT16 -> c.addIntContents((int) integer(e, at, Short.MIN_VALUE, Short.MAX_VALUE));
      case INT32 -> c.addIntContents((int) integer(e, at, Integer.MIN_VALUE, Integer.MAX_VALUE));
      case INT64 -> c.addInt64Contents(integer(e, at, Long.MIN_VALUE, Long.MAX_VALUE));
      case UINT8 -> c.addUintContents((int) integer(e, at, 0, 255));
      case UINT16 -> c.addUintContents((int) integer(e, at, 0, 65535));
      case UINT32 -> c.addUintContents((int) integer(e, at, 0, 0xFFFF_FFFFL));
      case UINT64 -> c.addUint64Contents(uint64(e, at));
      case FP32 -> {
        if (!e.isNumber()) throw wrong(e, at, "a number");
        float v = e.floatValue();
        if (Float.isInfinite(v)) {
          throw RestError.badRequest(at + " is " + e.asText() + ", outside the FP32 range");
        }
        c.addFp32Contents(v);
      }
      case FP64 -> {
        if (!e.isNumber()) throw wrong(e, at, "a number");
        c.addFp64Contents(e.doubleValue());
      }
      case BYTES -> {
        if (!e.isTextual()) throw wrong(e, at, "a string (UTF-8)");
        c.addBytesContents(ByteString.copyFromUtf8(e.textValue()));
      }
      case FP16 -> throw RestError.badRequest(at + ": FP16 has no JSON representation (the spec"
          + " leaves it out); send FP16 tensors as binary data (parameters.binary_data_size)");
    }
  }

  private long integer(JsonNode e, String at, long min, long max) {
    if (!e.isIntegralNumber() || !e.canConvertToLong()) {
      throw wrong(e, at, "an integer in " + min + ".." + max);
    }
    long v = e.longValue();
    if (v < min || v > max) {
      throw RestError.badRequest(at + " is " + v + ", outside " + min + ".." + max);
    }
    return v;
  }

  private long uint64(JsonNode e, String at) {
    if (!e.isIntegralNumber()) throw wrong(e, at, "an integer in 0..2^64-1");
    BigInteger v = e.bigIntegerValue();
    if (v.signum() < 0 || v.compareTo(UINT64_MAX) > 0) {
      throw RestError.badRequest(at + " is " + v + ", outside 0..2^64-1");
    }
    return v.longValue(); // two's complement: uint64 fields carry the same 64 bits
  }

  private RestError wrong(JsonNode e, String at, String expected) {
    return RestError.badRequest(at + " is " + kind(e) + "; " + name() + " data must be "
        + expected);
  }

  /** "a string", "null", "the number 1.5": what the client sent, short. */
  static String kind(JsonNode e) {
    if (e.isTextual()) return "a string";
    if (e.isNumber()) return "the number " + e.asText();
    if (e.isBoolean()) return "the boolean " + e.asText();
    if (e.isNull()) return "null";
    if (e.isArray()) return "an array";
    return "an object";
  }
}
