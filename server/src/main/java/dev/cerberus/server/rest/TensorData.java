package dev.cerberus.server.rest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cerberus.proto.oip.InferTensorContents;
import java.util.Arrays;

/**
 * Tensor shapes and JSON tensor data ("Tensor Data" in the KServe v2 spec): data is given
 * either flat (row-major, one array) or in its natural nested form; a nested form must have
 * exactly the tensor's shape, a flat one exactly its element count.
 */
final class TensorData {

  private TensorData() {}

  /** Reads {@code "shape"}: an array of integers >= 0. */
  static long[] shape(JsonNode node, String what) {
    if (node == null || !node.isArray()) {
      throw RestError.badRequest(what + ": \"shape\" " + (node == null ? "is missing"
          : "is " + TensorDatatype.kind(node)) + "; it must be an array of integers >= 0");
    }
    long[] shape = new long[node.size()];
    for (int i = 0; i < shape.length; i++) {
      JsonNode d = node.get(i);
      if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0) {
        throw RestError.badRequest(what + ": shape[" + i + "] is " + TensorDatatype.kind(d)
            + "; every dimension must be an integer >= 0");
      }
      shape[i] = d.longValue();
    }
    return shape;
  }

  /** The element count of a shape; 400 when it does not fit in an int (no body is that big). */
  static long elements(long[] shape, String what) {
    long n = 1;
    for (long d : shape) {
      try {
        n = Math.multiplyExact(n, d);
      } catch (ArithmeticException e) {
        n = Long.MAX_VALUE;
      }
    }
    if (n > Integer.MAX_VALUE) {
      throw RestError.badRequest(what + " has shape " + text(shape) + ": " + (n == Long.MAX_VALUE
          ? "more than 2^63" : n) + " elements, more than any request can carry");
    }
    return n;
  }

  /** Checks {@code data} against the shape and adds its elements to {@code contents}. */
  static void fill(JsonNode data, long[] shape, TensorDatatype type,
      InferTensorContents.Builder contents, String what) {
    if (!data.isArray()) {
      throw RestError.badRequest(what + ": \"data\" is " + TensorDatatype.kind(data)
          + "; it must be an array (flat, or nested like the shape)");
    }
    long expected = elements(shape, what);
    boolean nested = false;
    for (JsonNode e : data) {
      nested |= e.isArray();
    }
    if (nested) {
      checkNesting(data, shape, 0, what, "data");
      addNested(data, type, contents, what, new int[] {0});
    } else {
      if (data.size() != expected) {
        throw RestError.badRequest(what + " has shape " + text(shape) + " (" + expected
            + " elements) but \"data\" holds " + data.size());
      }
      int i = 0;
      for (JsonNode e : data) {
        type.add(e, contents, what + ": data[" + i++ + "]");
      }
    }
  }

  private static void checkNesting(JsonNode node, long[] shape, int depth, String what,
      String at) {
    if (depth == shape.length) {
      if (node.isArray()) {
        throw RestError.badRequest(what + ": " + at + " is an array but the shape "
            + text(shape) + " has only " + shape.length + " dimension(s)");
      }
      return;
    }
    if (!node.isArray() || node.size() != shape[depth]) {
      throw RestError.badRequest(what + ": nested \"data\" does not match shape " + text(shape)
          + ": " + at + " is " + (node.isArray() ? "an array of " + node.size()
              : TensorDatatype.kind(node)) + " where dimension " + depth + " needs an array of "
          + shape[depth] + " (or give the data flat)");
    }
    for (int i = 0; i < node.size(); i++) {
      checkNesting(node.get(i), shape, depth + 1, what, at + "[" + i + "]");
    }
  }

  private static void addNested(JsonNode node, TensorDatatype type,
      InferTensorContents.Builder contents, String what, int[] index) {
    if (node.isArray()) {
      for (JsonNode e : node) addNested(e, type, contents, what, index);
    } else {
      type.add(node, contents, what + ": element " + index[0]++);
    }
  }

  static String text(long[] shape) {
    return Arrays.toString(shape).replace(" ", "");
  }
}
