package dev.cerberus.server.oip;

import com.google.protobuf.ByteString;
import dev.cerberus.model.bundle.BundleManifest.InputSpec;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelInferRequest.InferInputTensor;
import io.grpc.StatusException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns the one input tensor of a ModelInferRequest into one {@link ModelInput} per item.
 *
 * <p>Image and text models take a BYTES tensor of shape [N] or [N,1] (one encoded image or one
 * UTF-8 text per element); tensor models take an FP32 tensor of shape [N, ...model shape].
 * Contents come either typed ({@code contents}) or raw ({@code raw_input_contents}). Everything
 * that can be checked without decoding an item is checked here, so a malformed request never
 * reaches the batcher; whether the bytes are really an image is the model's call, per item.
 */
final class OipInputDecoder {

  private final String modelName;
  private final InputSpec spec;
  private final int maxItems;
  private final String maxItemsSetting;

  /**
   * @param maxItems most items one request may carry
   * @param maxItemsSetting the setting that holds {@code maxItems}, named in the error
   */
  OipInputDecoder(String modelName, InputSpec spec, int maxItems, String maxItemsSetting) {
    this.modelName = modelName;
    this.spec = spec;
    this.maxItems = maxItems;
    this.maxItemsSetting = maxItemsSetting;
  }

  /** What this model accepts, as a phrase for error messages. */
  String expectedInput() {
    return "'" + OipTensors.INPUT + "' (" + expectedDatatype() + " " + shapeText(expectedShape())
        + (isTensorModel() ? ", float32 values" : isTextModel() ? ", one UTF-8 text per element"
            : ", one encoded PNG/JPEG image per element") + ")";
  }

  String expectedDatatype() {
    return isTensorModel() ? OipTensors.FP32 : OipTensors.BYTES;
  }

  /** The input shape as ModelMetadata reports it, -1 for the batch dimension. */
  long[] expectedShape() {
    if (!isTensorModel()) return new long[] {-1};
    long[] itemShape = spec.tensor().shape();
    long[] shape = new long[itemShape.length + 1];
    shape[0] = -1;
    System.arraycopy(itemShape, 0, shape, 1, itemShape.length);
    return shape;
  }

  List<ModelInput> decode(ModelInferRequest request) throws StatusException {
    if (request.getInputsCount() == 0) {
      throw OipInvalidRequest.of(
          "request has no inputs; model '" + modelName + "' takes one input " + expectedInput());
    }
    if (request.getInputsCount() > 1) {
      List<String> names = request.getInputsList().stream().map(InferInputTensor::getName).toList();
      throw OipInvalidRequest.of(
          "request has " + request.getInputsCount() + " inputs " + names + "; model '" + modelName
              + "' takes exactly one input " + expectedInput());
    }
    InferInputTensor input = request.getInputs(0);
    if (!OipTensors.INPUT.equals(input.getName())) {
      throw OipInvalidRequest.of(
          "unknown input '" + input.getName() + "'; model '" + modelName + "' has one input "
              + expectedInput());
    }
    String what = "input '" + input.getName() + "'";
    if (!expectedDatatype().equals(input.getDatatype())) {
      throw OipInvalidRequest.of(
          what + " has datatype '" + input.getDatatype() + "'; model '" + modelName + "' (input kind "
              + spec.kind() + ") takes " + expectedInput());
    }
    boolean raw = request.getRawInputContentsCount() > 0;
    if (raw && request.getRawInputContentsCount() != 1) {
      throw OipInvalidRequest.of(
          "request has " + request.getRawInputContentsCount()
              + " raw_input_contents entries for 1 input; there must be one per input");
    }
    if (raw && input.hasContents()) {
      throw OipInvalidRequest.of(
          what + " has both 'contents' and raw_input_contents; use one of them");
    }
    if (!raw) {
      checkContentsField(what, input);
    }
    long[] shape = input.getShapeList().stream().mapToLong(Long::longValue).toArray();
    int items = checkShape(what, shape);
    return isTensorModel()
        ? decodeFloats(what, shape, items, raw ? null : input, raw ? request.getRawInputContents(0) : null)
        : decodeBytes(what, shape, items, raw ? null : input, raw ? request.getRawInputContents(0) : null);
  }

  /**
   * Values in a {@code contents} field other than the one the datatype reads (FP32 data in
   * {@code fp64_contents}, say) would be silently ignored: refuse them, naming the field.
   */
  private void checkContentsField(String what, InferInputTensor input) throws StatusException {
    String expected = isTensorModel() ? "fp32_contents" : "bytes_contents";
    for (var field : input.getContents().getAllFields().keySet()) {
      if (!field.getName().equals(expected)) {
        throw OipInvalidRequest.of(what + " has datatype " + input.getDatatype()
            + " but carries values in contents." + field.getName() + "; " + input.getDatatype()
            + " values go in contents." + expected);
      }
    }
  }

  /** Validates the shape against the model and returns the item count N. */
  private int checkShape(String what, long[] shape) throws StatusException {
    for (long d : shape) {
      if (d < 0) {
        throw OipInvalidRequest.of(
            what + " has shape " + shapeText(shape) + "; dimensions must be >= 0 in a request");
      }
    }
    boolean ok;
    if (isTensorModel()) {
      long[] itemShape = spec.tensor().shape();
      ok = shape.length == itemShape.length + 1
          && Arrays.equals(Arrays.copyOfRange(shape, 1, shape.length), itemShape);
    } else {
      ok = shape.length == 1 || (shape.length == 2 && shape[1] == 1);
    }
    if (!ok) {
      throw OipInvalidRequest.of(
          what + " has shape " + shapeText(shape) + "; model '" + modelName + "' takes "
              + shapeText(expectedShape()) + (isTensorModel() ? "" : " or [-1, 1]")
              + " (first dimension: the number of items)");
    }
    if (shape[0] == 0) {
      throw OipInvalidRequest.of(what + " has no items (shape " + shapeText(shape) + ")");
    }
    if (shape[0] > maxItems) {
      throw OipInvalidRequest.of(
          what + " has " + shape[0] + " items; at most " + maxItems + " are allowed per request ("
              + maxItemsSetting + ")");
    }
    return (int) shape[0];
  }

  private List<ModelInput> decodeBytes(
      String what, long[] shape, int items, InferInputTensor typed, ByteString raw)
      throws StatusException {
    List<ByteString> elements =
        typed != null ? typed.getContents().getBytesContentsList() : RawContents.decodeBytes(raw, what);
    if (elements.size() != items) {
      throw OipInvalidRequest.of(
          what + " has shape " + shapeText(shape) + " (" + items + " elements) but carries "
              + elements.size() + " BYTES element(s)"
              + (typed != null ? " in contents.bytes_contents" : " in raw_input_contents"));
    }
    List<ModelInput> out = new ArrayList<>(items);
    for (int i = 0; i < items; i++) {
      ByteString element = elements.get(i);
      out.add(isTextModel() ? new ModelInput.Text(utf8(what, i, element))
          : new ModelInput.Image(element.toByteArray()));
    }
    return out;
  }

  private List<ModelInput> decodeFloats(
      String what, long[] shape, int items, InferInputTensor typed, ByteString raw)
      throws StatusException {
    float[] values;
    if (typed != null) {
      List<Float> list = typed.getContents().getFp32ContentsList();
      values = new float[list.size()];
      for (int i = 0; i < values.length; i++) values[i] = list.get(i);
    } else {
      values = RawContents.decodeFp32(raw, what);
    }
    long perItem = spec.tensor().valueCount();
    if (values.length != items * perItem) {
      throw OipInvalidRequest.of(
          what + " has shape " + shapeText(shape) + " (" + items * perItem + " values) but carries "
              + values.length + " FP32 value(s)"
              + (typed != null ? " in contents.fp32_contents" : " in raw_input_contents"));
    }
    List<ModelInput> out = new ArrayList<>(items);
    for (int i = 0; i < items; i++) {
      float[] item = Arrays.copyOfRange(values, (int) (i * perItem), (int) ((i + 1) * perItem));
      out.add(new ModelInput.FloatTensor(spec.tensor().shape().clone(), item));
    }
    return out;
  }

  private static String utf8(String what, int index, ByteString element) throws StatusException {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(element.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw OipInvalidRequest.of(
          "item " + index + " of " + what + " is not valid UTF-8 text; this model takes UTF-8 text");
    }
  }

  private boolean isTensorModel() {
    return InputSpec.TENSOR.equals(spec.kind());
  }

  private boolean isTextModel() {
    return InputSpec.TEXT.equals(spec.kind());
  }

  static String shapeText(long[] shape) {
    return Arrays.toString(shape).replace(" ", "");
  }
}
