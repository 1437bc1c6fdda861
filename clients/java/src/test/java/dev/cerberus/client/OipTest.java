package dev.cerberus.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.cerberus.proto.oip.InferTensorContents;
import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelInferResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class OipTest {
  private static ModelInferResponse.InferOutputTensor.Builder out(String name, String type) {
    return ModelInferResponse.InferOutputTensor.newBuilder().setName(name).setDatatype(type).addShape(2);
  }

  @Test
  void imageRequestIsOneBytesInputNamedInput() {
    ModelInferRequest r = Oip.imageRequest("fashion", List.of(new byte[] {1, 2}, new byte[] {3}), "decision");
    assertEquals("fashion", r.getModelName());
    ModelInferRequest.InferInputTensor in = r.getInputs(0);
    assertEquals("input", in.getName());
    assertEquals("BYTES", in.getDatatype());
    assertEquals(List.of(2L), in.getShapeList());
    assertEquals(ByteString.copyFrom(new byte[] {3}), in.getContents().getBytesContents(1));
    assertEquals("decision", r.getOutputs(0).getName());
  }

  @Test
  void textAndFp32Requests() {
    assertEquals("café", Oip.textRequest("words", List.of("café")).getInputs(0).getContents()
        .getBytesContents(0).toStringUtf8());
    ModelInferRequest r = Oip.fp32Request("vectors", new float[] {1, 2, 3, 4}, new long[] {2, 2});
    assertEquals("FP32", r.getInputs(0).getDatatype());
    assertEquals(List.of(2L, 2L), r.getInputs(0).getShapeList());
    assertEquals(List.of(1f, 2f, 3f, 4f), r.getInputs(0).getContents().getFp32ContentsList());
  }

  @Test
  void decisionsFromTypedContents() {
    ModelInferResponse resp = ModelInferResponse.newBuilder()
        .addOutputs(out("decision", "BYTES").setContents(InferTensorContents.newBuilder()
            .addBytesContents(ByteString.copyFromUtf8("bag")).addBytesContents(ByteString.copyFromUtf8("unknown"))))
        .addOutputs(out("unknown", "BOOL").setContents(InferTensorContents.newBuilder()
            .addBoolContents(false).addBoolContents(true)))
        .addOutputs(out("ood_score", "FP32").setContents(InferTensorContents.newBuilder()
            .addFp32Contents(0.5f).addFp32Contents(9f)))
        .addOutputs(out("reason", "BYTES").setContents(InferTensorContents.newBuilder()
            .addBytesContents(ByteString.copyFromUtf8("class")).addBytesContents(ByteString.copyFromUtf8("threshold"))))
        .build();
    assertEquals(List.of(new OipDecision("bag", false, 0.5f, "class"), new OipDecision("unknown", true, 9f, "threshold")),
        Oip.decisions(resp));
  }

  @Test
  void decisionsFromRawContentsWithoutReason() {
    ByteBuffer strings = ByteBuffer.allocate(4 + 3 + 4 + 7).order(ByteOrder.LITTLE_ENDIAN);
    strings.putInt(3).put("bag".getBytes(StandardCharsets.UTF_8)).putInt(7).put("unknown".getBytes(StandardCharsets.UTF_8));
    ByteBuffer floats = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(0.25f).putFloat(2f);
    ModelInferResponse resp = ModelInferResponse.newBuilder()
        .addOutputs(out("decision", "BYTES")).addOutputs(out("unknown", "BOOL")).addOutputs(out("ood_score", "FP32"))
        .addRawOutputContents(ByteString.copyFrom(strings.array()))
        .addRawOutputContents(ByteString.copyFrom(new byte[] {0, 1}))
        .addRawOutputContents(ByteString.copyFrom(floats.array()))
        .build();
    assertEquals(List.of(new OipDecision("bag", false, 0.25f, null), new OipDecision("unknown", true, 2f, null)),
        Oip.decisions(resp));
    assertArrayEquals(new float[] {0.25f, 2f}, Oip.fp32(resp, "ood_score"));
  }

  @Test
  void aMissingOutputNamesTheOnesThereAre() {
    ModelInferResponse resp = ModelInferResponse.newBuilder().addOutputs(out("category", "FP32")).build();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Oip.decisions(resp));
    assertTrue(e.getMessage().contains("no output 'decision'; outputs: category"), e.getMessage());
  }
}
