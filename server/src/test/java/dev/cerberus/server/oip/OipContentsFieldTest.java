package dev.cerberus.server.oip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.cerberus.proto.oip.InferTensorContents;
import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelInferRequest.InferInputTensor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Values in a {@code *_contents} field the datatype does not read are refused with the field's
 * name instead of being silently ignored (issue 15, defect 9).
 */
class OipContentsFieldTest {

  private static OipServer server;

  @BeforeAll
  static void start() throws Exception {
    server = new OipServer(new OipSettings(2, "test"));
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  @Test
  void fp32ValuesInFp64ContentsAreInvalidArgumentNamingTheField() {
    InferTensorContents.Builder contents = InferTensorContents.newBuilder();
    for (int i = 0; i < 8; i++) {
      contents.addFp64Contents(i);
    }
    assertRefused(request("vectors", "FP32", contents, 2, 4), "contents.fp64_contents",
        "FP32 values go in contents.fp32_contents");
  }

  @Test
  void extraValuesBesideTheRightFieldAreRefusedToo() {
    InferTensorContents.Builder contents = InferTensorContents.newBuilder();
    for (int i = 0; i < 8; i++) {
      contents.addFp32Contents(i);
    }
    contents.addIntContents(7);
    assertRefused(request("vectors", "FP32", contents, 2, 4), "contents.int_contents",
        "contents.fp32_contents");
  }

  @Test
  void floatsSentToAnImageModelNameTheBytesField() {
    InferTensorContents.Builder contents = InferTensorContents.newBuilder()
        .addBytesContents(ByteString.copyFromUtf8("x")).addFp32Contents(1f);
    assertRefused(request("pictures", "BYTES", contents, 1), "contents.fp32_contents",
        "BYTES values go in contents.bytes_contents");
  }

  private static ModelInferRequest request(String model, String datatype,
      InferTensorContents.Builder contents, long... shape) {
    InferInputTensor.Builder in = InferInputTensor.newBuilder().setName("input")
        .setDatatype(datatype).setContents(contents);
    for (long d : shape) {
      in.addShape(d);
    }
    return ModelInferRequest.newBuilder().setModelName(model).addInputs(in).build();
  }

  private static void assertRefused(ModelInferRequest request, String... parts) {
    assertThatThrownBy(() -> server.blocking().modelInfer(request))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains(parts);
        });
  }
}
