package dev.cerberus.client;

import com.google.protobuf.ByteString;
import dev.cerberus.proto.oip.InferTensorContents;
import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelInferResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * KServe Open Inference Protocol v2 helpers beside the Cerberus API: build a {@code
 * ModelInferRequest} for images, texts or FP32 tensors, and read a response's outputs (typed
 * {@code contents} or {@code raw_output_contents}). Send a request with {@link
 * CerberusClient#oipInfer}.
 */
public final class Oip {
  private Oip() {}

  /** One BYTES input {@code [N]} of encoded PNG/JPEG images; {@code outputs} empty = all. */
  public static ModelInferRequest imageRequest(String model, List<byte[]> images, String... outputs) {
    List<ByteString> data = new ArrayList<>(images.size());
    images.forEach(b -> data.add(ByteString.copyFrom(b)));
    return bytesRequest(model, data, outputs);
  }

  /** An image request read from files. */
  public static ModelInferRequest imageFileRequest(String model, List<Path> files, String... outputs) {
    List<ByteString> data = new ArrayList<>(files.size());
    for (Path f : files) {
      try {
        data.add(ByteString.copyFrom(Files.readAllBytes(f)));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
      }
    }
    return bytesRequest(model, data, outputs);
  }

  /** One BYTES input {@code [N]} of UTF-8 texts. */
  public static ModelInferRequest textRequest(String model, List<String> texts, String... outputs) {
    List<ByteString> data = new ArrayList<>(texts.size());
    texts.forEach(t -> data.add(ByteString.copyFrom(t, StandardCharsets.UTF_8)));
    return bytesRequest(model, data, outputs);
  }

  /** One FP32 input of {@code shape} (first dimension: items), row-major values. */
  public static ModelInferRequest fp32Request(String model, float[] values, long[] shape, String... outputs) {
    InferTensorContents.Builder contents = InferTensorContents.newBuilder();
    for (float v : values) {
      contents.addFp32Contents(v);
    }
    ModelInferRequest.InferInputTensor.Builder input = ModelInferRequest.InferInputTensor.newBuilder()
        .setName("input").setDatatype("FP32").setContents(contents);
    for (long d : shape) {
      input.addShape(d);
    }
    return request(model, input.build(), outputs);
  }

  private static ModelInferRequest bytesRequest(String model, List<ByteString> data, String... outputs) {
    return request(model, ModelInferRequest.InferInputTensor.newBuilder()
        .setName("input").setDatatype("BYTES").addShape(data.size())
        .setContents(InferTensorContents.newBuilder().addAllBytesContents(data)).build(), outputs);
  }

  private static ModelInferRequest request(
      String model, ModelInferRequest.InferInputTensor input, String... outputs) {
    ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName(model).addInputs(input);
    for (String o : outputs) {
      b.addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName(o));
    }
    return b.build();
  }

  /**
   * Every item's decision, unknown, OOD score and reason.
   *
   * @throws IllegalArgumentException naming the outputs there are, when one of {@code decision},
   *     {@code unknown}, {@code ood_score} is missing
   */
  public static List<OipDecision> decisions(ModelInferResponse response) {
    List<String> decision = strings(response, "decision");
    List<Boolean> unknown = bools(response, "unknown");
    float[] score = fp32(response, "ood_score");
    List<String> reason = index(response, "reason") >= 0 ? strings(response, "reason") : null;
    List<OipDecision> out = new ArrayList<>(decision.size());
    for (int i = 0; i < decision.size(); i++) {
      out.add(new OipDecision(decision.get(i), unknown.get(i), score[i], reason == null ? null : reason.get(i)));
    }
    return out;
  }

  /** An FP32 output's values (a head's probabilities {@code [N, labels]}, {@code ood_score}, ...). */
  public static float[] fp32(ModelInferResponse response, String name) {
    int i = require(response, name);
    if (i < response.getRawOutputContentsCount()) {
      ByteBuffer raw = response.getRawOutputContents(i).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      float[] out = new float[raw.remaining() / 4];
      raw.asFloatBuffer().get(out);
      return out;
    }
    List<Float> values = response.getOutputs(i).getContents().getFp32ContentsList();
    float[] out = new float[values.size()];
    for (int k = 0; k < out.length; k++) {
      out[k] = values.get(k);
    }
    return out;
  }

  /** A BOOL output's values ({@code unknown}, {@code <head>_unknown}). */
  public static List<Boolean> bools(ModelInferResponse response, String name) {
    int i = require(response, name);
    if (i < response.getRawOutputContentsCount()) {
      List<Boolean> out = new ArrayList<>();
      for (byte b : response.getRawOutputContents(i).toByteArray()) {
        out.add(b != 0);
      }
      return out;
    }
    return response.getOutputs(i).getContents().getBoolContentsList();
  }

  /** A BYTES output's values as UTF-8 strings ({@code decision}, {@code reason}, ...). */
  public static List<String> strings(ModelInferResponse response, String name) {
    int i = require(response, name);
    List<String> out = new ArrayList<>();
    if (i < response.getRawOutputContentsCount()) {
      ByteBuffer raw = response.getRawOutputContents(i).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      while (raw.remaining() >= 4) { // a 4-byte little-endian length before each element
        byte[] element = new byte[raw.getInt()];
        raw.get(element);
        out.add(new String(element, StandardCharsets.UTF_8));
      }
      return out;
    }
    response.getOutputs(i).getContents().getBytesContentsList().forEach(b -> out.add(b.toStringUtf8()));
    return out;
  }

  private static int index(ModelInferResponse response, String name) {
    for (int i = 0; i < response.getOutputsCount(); i++) {
      if (response.getOutputs(i).getName().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  private static int require(ModelInferResponse response, String name) {
    int i = index(response, name);
    if (i < 0) {
      List<String> names = new ArrayList<>();
      response.getOutputsList().forEach(o -> names.add(o.getName()));
      throw new IllegalArgumentException("no output '" + name + "'; outputs: " + String.join(", ", names));
    }
    return i;
  }
}
