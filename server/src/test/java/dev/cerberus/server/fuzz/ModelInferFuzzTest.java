package dev.cerberus.server.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import dev.cerberus.proto.oip.GRPCInferenceServiceGrpc;
import dev.cerberus.proto.oip.InferTensorContents;
import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelInferRequest.InferInputTensor;
import dev.cerberus.proto.oip.ModelInferRequest.InferRequestedOutputTensor;
import dev.cerberus.proto.oip.ModelInferResponse;
import dev.cerberus.server.grpc.MalformedRequests;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * KServe Open Inference Protocol {@code ModelInfer} requests from fuzz data, over gRPC to the
 * real server: datatypes, shapes, typed and raw contents, requested outputs. A call either
 * answers (with outputs whose batch dimension is the request's) or fails with a client status
 * and a readable description; the server never logs a stack trace.
 */
class ModelInferFuzzTest {

  private static final String[] DATATYPES = {"FP32", "BYTES", "BOOL", "INT64", "UINT8", "FP16"};
  private static final String[] INPUTS = {"input"};
  private static final String[] OUTPUTS = {"decision", "unknown", "ood_score", "shade", "color"};

  @FuzzTest(maxDuration = "10s")
  void modelInfer(FuzzedDataProvider d) throws Exception {
    FuzzServer s = FuzzServer.get();
    ModelInferRequest.Builder req = ModelInferRequest.newBuilder()
        .setModelName(FuzzValues.pick(d, FuzzServer.MODELS, 64))
        .setModelVersion(FuzzValues.pick(d, new String[] {"", "1", "7"}, 16))
        .setId(d.consumeString(16));
    for (int n = d.consumeInt(0, 2); n > 0; n--) req.addInputs(input(d, req));
    for (int n = d.consumeInt(0, 2); n > 0; n--) {
      req.addOutputs(InferRequestedOutputTensor.newBuilder().setName(FuzzValues.pick(d, OUTPUTS, 16)));
    }
    try {
      ModelInferResponse r = GRPCInferenceServiceGrpc.newBlockingStub(s.channel)
          .withDeadlineAfter(30, TimeUnit.SECONDS).modelInfer(req.build());
      if (r.getOutputsCount() == 0) throw new AssertionError("an answer without outputs");
    } catch (StatusRuntimeException e) {
      FuzzServer.expectClientError(e, "ModelInfer");
    }
    s.expectNoStackTrace("ModelInfer");
  }

  /** Raw bytes as a ModelInferRequest message. */
  @FuzzTest(maxDuration = "10s")
  void modelInferBytes(byte[] body) throws Exception {
    FuzzServer s = FuzzServer.get();
    MethodDescriptor<?, ?> m = GRPCInferenceServiceGrpc.getModelInferMethod();
    MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(m.getType()).setFullMethodName(m.getFullMethodName())
        .setRequestMarshaller(MalformedRequests.RAW_BYTES)
        .setResponseMarshaller(MalformedRequests.RAW_BYTES).build();
    try {
      ClientCalls.blockingUnaryCall(s.channel, raw,
          CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), body);
    } catch (StatusRuntimeException e) {
      FuzzServer.expectClientError(e, "ModelInfer (raw bytes)");
    }
    s.expectNoStackTrace("ModelInfer (raw bytes)");
  }

  private static InferInputTensor input(FuzzedDataProvider d, ModelInferRequest.Builder req) {
    InferInputTensor.Builder t = InferInputTensor.newBuilder()
        .setName(FuzzValues.pick(d, INPUTS, 16))
        .setDatatype(FuzzValues.pick(d, DATATYPES, 8));
    int batch = d.consumeInt(0, FuzzServer.MAX_ITEMS + 1);
    t.addShape(d.consumeBoolean() ? batch : d.consumeLong(-2, 1L << 40));
    if (d.consumeBoolean()) for (long v : FuzzValues.shape(d)) t.addShape(v);
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    switch (d.consumeInt(0, 5)) {
      case 0 -> {
        for (int i = 0; i < batch; i++) c.addBytesContents(ByteString.copyFrom(FuzzValues.image(d)));
      }
      case 1 -> {
        for (int i = 0; i < batch; i++) c.addBytesContents(ByteString.copyFromUtf8(d.consumeString(64)));
      }
      case 2 -> {
        for (int i = 0; i < batch; i++) for (float v : FuzzValues.floats(d)) c.addFp32Contents(v);
      }
      case 3 -> {
        for (int i = d.consumeInt(0, 8); i > 0; i--) c.addInt64Contents(d.consumeLong());
      }
      case 4 -> req.addRawInputContents(raw(d, batch));
      default -> { } // no contents
    }
    return t.setContents(c).build();
  }

  /** Raw contents: little-endian floats, or length-prefixed BYTES elements, or noise. */
  private static ByteString raw(FuzzedDataProvider d, int batch) {
    switch (d.consumeInt(0, 2)) {
      case 0 -> {
        float[] v = FuzzValues.floats(d);
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return ByteString.copyFrom(b.array());
      }
      case 1 -> {
        ByteString.Output out = ByteString.newOutput();
        for (int i = 0; i < batch; i++) {
          byte[] e = d.consumeBoolean() ? FuzzValues.image(d) : d.consumeBytes(32);
          int len = d.consumeBoolean() ? e.length : d.consumeInt();
          ByteBuffer l = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(len);
          out.write(l.array(), 0, 4);
          out.write(e, 0, e.length);
        }
        return out.toByteString();
      }
      default -> {
        return ByteString.copyFrom(d.consumeBytes(256));
      }
    }
  }
}
