package dev.cerberus.server.oip.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import inference.OpenInferenceGrpc.InferTensorContents;
import inference.OpenInferenceGrpc.ModelInferRequest;
import inference.OpenInferenceGrpc.ModelInferRequest.InferInputTensor;
import inference.OpenInferenceGrpc.ModelInferResponse;
import inference.OpenInferenceGrpc.ModelMetadataRequest;
import inference.OpenInferenceGrpc.ModelMetadataResponse;
import inference.OpenInferenceGrpc.ModelReadyRequest;
import inference.OpenInferenceGrpc.ModelReadyResponse;
import inference.OpenInferenceGrpc.ServerLiveRequest;
import inference.OpenInferenceGrpc.ServerLiveResponse;
import inference.OpenInferenceGrpc.ServerMetadataRequest;
import inference.OpenInferenceGrpc.ServerMetadataResponse;
import inference.OpenInferenceGrpc.ServerReadyRequest;
import inference.OpenInferenceGrpc.ServerReadyResponse;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The six RPCs of KServe's open_inference_grpc.proto against the real server, with messages
 * generated from the vendored upstream file. KServe's and Triton's files both define
 * inference.GRPCInferenceService, so only Triton's gets generated stubs; the calls here are
 * built from KServe's own service descriptor (method names and types as that file has them).
 */
class UpstreamKserveClientTest {

  @TempDir static Path dir;
  private static UpstreamServer server;

  @BeforeAll
  static void start() throws Exception {
    server = new UpstreamServer(dir, Map.of());
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  @SuppressWarnings("unchecked")
  private static <Q extends Message, R extends Message> R call(String rpc, Q request,
      R responseType) {
    var method = inference.OpenInferenceGrpc.getDescriptor()
        .findServiceByName("GRPCInferenceService").findMethodByName(rpc);
    assertThat(method).as(rpc + " in KServe's file").isNotNull();
    MethodDescriptor<Q, R> descriptor = MethodDescriptor.<Q, R>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(
            method.getService().getFullName(), method.getName()))
        .setRequestMarshaller(ProtoUtils.marshaller(
            (Q) request.getDefaultInstanceForType()))
        .setResponseMarshaller(ProtoUtils.marshaller(responseType))
        .build();
    return ClientCalls.blockingUnaryCall(server.channel, descriptor,
        CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS), request);
  }

  @Test
  void everyKserveRpc() {
    assertThat(call("ServerLive", ServerLiveRequest.getDefaultInstance(),
        ServerLiveResponse.getDefaultInstance()).getLive()).isTrue();
    assertThat(call("ServerReady", ServerReadyRequest.getDefaultInstance(),
        ServerReadyResponse.getDefaultInstance()).getReady()).isTrue();
    assertThat(call("ModelReady", ModelReadyRequest.newBuilder().setName("vectors").build(),
        ModelReadyResponse.getDefaultInstance()).getReady()).isTrue();
    assertThat(call("ServerMetadata", ServerMetadataRequest.getDefaultInstance(),
        ServerMetadataResponse.getDefaultInstance()).getName()).isEqualTo("cerberus");
    ModelMetadataResponse meta = call("ModelMetadata",
        ModelMetadataRequest.newBuilder().setName("vectors").build(),
        ModelMetadataResponse.getDefaultInstance());
    assertThat(meta.getPropertiesMap()).containsEntry("input_kind", "tensor")
        .containsEntry("heads", "color,is-big");
    assertThat(meta.getVersionsList()).containsExactly("1");
    ModelInferResponse response = call("ModelInfer", ModelInferRequest.newBuilder()
            .setModelName("vectors").setId("k1")
            .addInputs(InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
                .addShape(1).addShape(4).setContents(InferTensorContents.newBuilder()
                    .addFp32Contents(1).addFp32Contents(-2).addFp32Contents(0.5f)
                    .addFp32Contents(3)))
            .build(),
        ModelInferResponse.getDefaultInstance());
    assertThat(response.getId()).isEqualTo("k1");
    assertThat(response.getOutputsList()).extracting(t -> t.getName()).contains("color",
        "decision", "unknown", "ood_score");
  }
}
