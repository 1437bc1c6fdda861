package dev.cerberus.server.badinput;

import com.google.protobuf.ByteString;
import dev.cerberus.proto.oip.InferParameter;
import dev.cerberus.proto.oip.InferTensorContents;
import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelInferRequest.InferInputTensor;
import dev.cerberus.proto.oip.ModelInferRequest.InferRequestedOutputTensor;
import dev.cerberus.server.TestInputs;
import io.grpc.Status;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Bad ModelInferRequests, one named kind per row, with the status they must get ({@code OK}:
 * valid, answered). The OIP has no per-item errors: a bad item fails its request with a message
 * naming the item's index.
 */
record OipKinds(String kind, ModelInferRequest request, Status.Code code, List<String> says) {

  @Override
  public String toString() {
    return kind;
  }

  private static final Status.Code INVALID = Status.Code.INVALID_ARGUMENT;

  private static OipKinds row(String kind, ModelInferRequest.Builder request, Status.Code code,
      String... says) {
    return new OipKinds(kind, request.setId("bad").build(), code, List.of(says));
  }

  private static ModelInferRequest.Builder images(UnaryOperator<InferInputTensor.Builder> edit) {
    ModelInferRequest.Builder b = BadInputServer.goodOip(2);
    b.setInputs(0, edit.apply(b.getInputs(0).toBuilder()));
    return b;
  }

  private static ModelInferRequest.Builder vectors(long[] shape, float... values) {
    InferInputTensor.Builder in = InferInputTensor.newBuilder().setName("input").setDatatype("FP32");
    for (long d : shape) in.addShape(d);
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    for (float v : values) c.addFp32Contents(v);
    return ModelInferRequest.newBuilder().setModelName("vectors").addInputs(in.setContents(c));
  }

  private static ModelInferRequest.Builder rawImages(byte[] raw, long items) {
    return ModelInferRequest.newBuilder().setModelName("shapes")
        .addInputs(InferInputTensor.newBuilder().setName("input").setDatatype("BYTES").addShape(items))
        .addRawInputContents(ByteString.copyFrom(raw));
  }

  private static byte[] le(int... ints) {
    ByteBuffer b = ByteBuffer.allocate(ints.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i : ints) b.putInt(i);
    return b.array();
  }

  private static ModelInferRequest.Builder imageItems(byte[]... items) {
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    for (byte[] i : items) c.addBytesContents(ByteString.copyFrom(i));
    return ModelInferRequest.newBuilder().setModelName("shapes").addInputs(InferInputTensor
        .newBuilder().setName("input").setDatatype("BYTES").addShape(items.length).setContents(c));
  }

  private static ModelInferRequest.Builder param(String name, InferParameter value) {
    return BadInputServer.goodOip(1).putParameters(name, value);
  }

  static Stream<OipKinds> tensors() {
    byte[] png = TestInputs.png(16, 16, 3);
    return Stream.of(
        row("oip: wrong datatype (FP32 to an image model)", images(i -> i.setDatatype("FP32")),
            INVALID, "has datatype 'FP32'", "takes 'input' (BYTES [-1]"),
        row("oip: datatype in lower case (bytes)", images(i -> i.setDatatype("bytes")),
            INVALID, "has datatype 'bytes'", "BYTES"),
        row("oip: wrong shape [2,1,1] for an image model", images(i -> i.clearShape()
            .addShape(2).addShape(1).addShape(1)), INVALID, "has shape [2,1,1]",
            "takes [-1] or [-1, 1]"),
        row("oip: wrong shape [1,3] for a [4] tensor model", vectors(new long[] {1, 3}, 1, 2, 3),
            INVALID, "has shape [1,3]", "takes [-1,4]"),
        row("oip: shape [3] but 2 BYTES elements", images(i -> i.setShape(0, 3)), INVALID,
            "has shape [3] (3 elements) but carries 2 BYTES element(s)"),
        row("oip: shape [2,4] but 4 FP32 values", vectors(new long[] {2, 4}, 1, 2, 3, 4),
            INVALID, "(8 values) but carries 4 FP32 value(s) in contents.fp32_contents"),
        row("oip: both contents and raw_input_contents", BadInputServer.goodOip(2)
            .addRawInputContents(ByteString.copyFrom(le(0))), INVALID,
            "has both 'contents' and raw_input_contents; use one of them"),
        row("oip: unknown input name", images(i -> i.setName("image")), INVALID,
            "unknown input 'image'", "has one input 'input'"),
        row("oip: no input", BadInputServer.goodOip(1).clearInputs(), INVALID,
            "request has no inputs", "takes one input 'input'"),
        row("oip: two inputs", BadInputServer.goodOip(1).addInputs(
            BadInputServer.goodOip(1).getInputs(0).toBuilder().setName("extra")), INVALID,
            "request has 2 inputs [input, extra]", "takes exactly one input"),
        row("oip: negative dimension", images(i -> i.setShape(0, -2)), INVALID,
            "has shape [-2]; dimensions must be >= 0"),
        row("oip: overflowing dimension (2^63-1 items)", images(i -> i.setShape(0, Long.MAX_VALUE)),
            INVALID, "has 9223372036854775807 items; at most 8",
            "cerberus.max-items-per-request"),
        row("oip: overflowing tensor dims [2^62, 4]", vectors(new long[] {1L << 62, 4}, 1, 2, 3, 4),
            INVALID, "at most 8 are allowed per request"),
        row("oip: zero items (shape [0])", images(i -> i.setShape(0, 0).clearContents()), INVALID,
            "has no items (shape [0])"),
        row("oip: too many items", BadInputServer.goodOip(BadInputServer.MAX_ITEMS + 1), INVALID,
            "has 9 items; at most 8 are allowed per request (cerberus.max-items-per-request)"),
        row("oip: BYTES length prefix past the end", rawImages(
            ByteBuffer.allocate(7).order(ByteOrder.LITTLE_ENDIAN).putInt(1000).array(), 1),
            INVALID, "declares 1000 bytes but only 3 follow"),
        row("oip: BYTES raw content with 2 trailing bytes", rawImages(new byte[] {1, 2}, 1),
            INVALID, "2 trailing byte(s) at offset 0", "4-byte little-endian length"),
        row("oip: raw FP32 content not a multiple of 4", ModelInferRequest.newBuilder()
            .setModelName("vectors").addInputs(InferInputTensor.newBuilder().setName("input")
                .setDatatype("FP32").addShape(1).addShape(4))
            .addRawInputContents(ByteString.copyFrom(new byte[15])), INVALID,
            "raw FP32 content has 15 bytes, which is not a multiple of 4"),
        row("oip: two raw_input_contents for one input", rawImages(le(0), 1)
            .addRawInputContents(ByteString.copyFrom(le(0))), INVALID,
            "2 raw_input_contents entries for 1 input"),
        row("oip: FP32 values in contents.fp64_contents", ModelInferRequest.newBuilder()
            .setModelName("vectors").addInputs(InferInputTensor.newBuilder().setName("input")
                .setDatatype("FP32").addShape(1).addShape(4).setContents(InferTensorContents
                    .newBuilder().addFp64Contents(1).addFp64Contents(2).addFp64Contents(3)
                    .addFp64Contents(4))), INVALID,
            "carries values in contents.fp64_contents; FP32 values go in contents.fp32_contents"),
        row("oip: BYTES model with values in contents.int_contents", images(i -> i.setContents(
            i.getContents().toBuilder().addIntContents(7))), INVALID,
            "carries values in contents.int_contents; BYTES values go in contents.bytes_contents"),
        row("oip: image item 1 of 3 is garbage", imageItems(png, new byte[] {1, 2, 3}, png),
            INVALID, "item 1: image is not PNG or JPEG"),
        row("oip: items 0 and 2 of 3 are bad", imageItems(new byte[0], png,
            BadImages.pngHeader(2000, 2000)), INVALID, "item 0: image is empty",
            "(1 more item(s) failed too)"),
        row("oip: image over the pixel limit", imageItems(BadImages.pngHeader(2000, 2000)),
            INVALID, "item 0: image declares 2000x2000", "cerberus.limits.max-image-pixels"),
        row("oip: text that is not UTF-8", ModelInferRequest.newBuilder().setModelName("topics")
            .addInputs(InferInputTensor.newBuilder().setName("input").setDatatype("BYTES")
                .addShape(2).setContents(InferTensorContents.newBuilder()
                    .addBytesContents(ByteString.copyFromUtf8("a dog"))
                    .addBytesContents(ByteString.copyFrom(new byte[] {(byte) 0xff, 0x41})))),
            INVALID, "item 1 of input 'input' is not valid UTF-8 text"),
        row("oip: NaN in an FP32 item", vectors(new long[] {1, 4}, 1, Float.NaN, 3, 4), INVALID,
            "item 0: tensor values must be finite (found NaN)"));
  }

  static Stream<OipKinds> namesAndOutputs() {
    return Stream.of(
        row("oip: unknown model", BadInputServer.goodOip(1).setModelName("nope"),
            Status.Code.NOT_FOUND, "model 'nope' is not loaded", "loaded models: shapes"),
        row("oip: empty model name", BadInputServer.goodOip(1).setModelName(""),
            INVALID, "the request names no model"),
        row("oip: unknown version", BadInputServer.goodOip(1).setModelVersion("7"),
            Status.Code.NOT_FOUND, "has no version '7'"),
        row("oip: 10,000-character model name", BadInputServer.goodOip(1)
            .setModelName("n".repeat(10_000)), Status.Code.NOT_FOUND, "... (10000 chars)"),
        row("oip: path-like model name ../shapes", BadInputServer.goodOip(1)
            .setModelName("../shapes"), Status.Code.NOT_FOUND, "model '../shapes' is not loaded"),
        row("oip: unknown requested output", BadInputServer.goodOip(1).addOutputs(
            InferRequestedOutputTensor.newBuilder().setName("labels")), INVALID,
            "unknown output 'labels'", "has outputs"),
        row("oip: output requested twice", BadInputServer.goodOip(1)
            .addOutputs(InferRequestedOutputTensor.newBuilder().setName("decision"))
            .addOutputs(InferRequestedOutputTensor.newBuilder().setName("decision")), INVALID,
            "output 'decision' is requested more than once"),
        row("oip: parameter priority as a string", param("priority",
            InferParameter.newBuilder().setStringParam("high").build()), INVALID,
            "request parameter 'priority' is string_param; it must be uint64_param"),
        row("oip: parameter timeout as a bool", param("timeout",
            InferParameter.newBuilder().setBoolParam(true).build()), INVALID,
            "request parameter 'timeout' is bool_param; it must be int64_param"),
        row("oip: parameter priority negative", param("priority",
            InferParameter.newBuilder().setInt64Param(-1).build()), INVALID,
            "request parameter 'priority' is int64_param; it must be uint64_param"),
        row("oip: parameter with no value", param("timeout", InferParameter.getDefaultInstance()),
            INVALID, "request parameter 'timeout' is empty (no value set); it must be int64_param"),
        row("oip: output parameter classification on a non-probability output",
            BadInputServer.goodOip(1).addOutputs(
            InferRequestedOutputTensor.newBuilder().setName("decision").putParameters(
                "classification", InferParameter.newBuilder().setInt64Param(3).build())),
            INVALID, "applies to a head's probabilities output"),
        row("oip: unknown parameter (ignored)", param("x-custom",
            InferParameter.newBuilder().setStringParam("anything").build()), Status.Code.OK),
        row("oip: parameters of the right types", param("priority",
            InferParameter.newBuilder().setUint64Param(1).build()).putParameters("timeout",
            InferParameter.newBuilder().setInt64Param(1_000_000).build()), Status.Code.OK));
  }

  static Stream<OipKinds> all() {
    return Stream.concat(tensors(), namesAndOutputs());
  }
}
