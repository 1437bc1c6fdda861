package dev.cerberus.server.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import dev.cerberus.proto.oip.GRPCInferenceServiceGrpc;
import dev.cerberus.proto.oip.InferTensorContents;
import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelInferRequest.InferInputTensor;
import dev.cerberus.proto.oip.ModelInferResponse;
import dev.cerberus.proto.oip.ModelMetadataRequest;
import dev.cerberus.proto.oip.ModelMetadataResponse;
import dev.cerberus.server.CerberusServer;
import dev.cerberus.server.ServerSettings;
import dev.cerberus.server.TestInputs;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every KServe v2 REST endpoint on a real server (real engine, real Netty on loopback), with
 * request bodies from the specification's examples: kserve docs/predict-api/v2/required_api.md
 * "Inference Request Examples" and Triton's docs/protocol/extension_binary_data.md "Examples",
 * adapted to the fixture models (one input named "input"). Inference answers are checked
 * against the gRPC OIP service of the same server.
 */
class RestEndpointsTest {

  private static CerberusServer server;
  private static RestClient rest;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    Path models = Path.of(RestEndpointsTest.class.getResource("/oip").toURI());
    server = CerberusServer.start(ServerSettings.from(Map.of("cerberus.port", "0",
        "cerberus.models", models.toString(), "cerberus.rest.port", "0",
        "cerberus.metrics.port", "0")));
    rest = new RestClient(server.restPort());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdown();
  }

  private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub grpc() {
    return GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  @Test
  void healthIsTheStatusCodeWithAnEmptyBody() throws Exception {
    for (String path : List.of("/v2/health/live", "/v2/health/ready", "/v2/models/vectors/ready",
        "/v2/models/vectors/versions/1/ready")) {
      RestClient.Reply r = rest.get(path);
      assertThat(r.status()).as(path).isEqualTo(200);
      assertThat(r.body()).as(path).isEmpty();
    }
  }

  @Test
  void serverMetadataNamesTheBinaryExtension() throws Exception {
    for (String path : List.of("/v2", "/v2/")) {
      JsonNode m = rest.get(path).json();
      assertThat(m.get("name").asText()).isEqualTo("cerberus");
      assertThat(m.get("version").asText()).isNotEmpty();
      assertThat(m.get("extensions").toString()).isEqualTo("[\"binary_tensor_data\"]");
    }
  }

  @Test
  void modelMetadataIsTheGrpcMetadataAsJson() throws Exception {
    ModelMetadataResponse viaGrpc =
        grpc().modelMetadata(ModelMetadataRequest.newBuilder().setName("vectors").build());
    for (String path : List.of("/v2/models/vectors", "/v2/models/vectors/versions/1")) {
      RestClient.Reply r = rest.get(path);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.contentType()).hasValue("application/json");
      JsonNode m = r.json();
      assertThat(m.get("name").asText()).isEqualTo("vectors");
      assertThat(m.get("versions").toString()).isEqualTo("[\"1\"]");
      assertThat(m.get("platform").asText()).isEqualTo(viaGrpc.getPlatform());
      assertThat(m.get("inputs").toString())
          .isEqualTo("[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[-1,4]}]");
      List<String> outputs = new ArrayList<>();
      m.get("outputs").forEach(o -> outputs.add(o.get("name").asText()));
      assertThat(outputs).isEqualTo(
          viaGrpc.getOutputsList().stream().map(t -> t.getName()).toList());
      assertThat(m.get("outputs").get(0).toString())
          .isEqualTo("{\"name\":\"color\",\"datatype\":\"FP32\",\"shape\":[-1,3]}");
    }
  }

  /** The spec's example request ("id": "42", outputs by name), on the tensor model. */
  @Test
  void inferWithJsonTensorsAnswersAsGrpcDoes() throws Exception {
    String body = """
        {
          "id" : "42",
          "inputs" : [
            {
              "name" : "input",
              "shape" : [ 2, 4 ],
              "datatype" : "FP32",
              "data" : [ 1, 2, 3, 4, -1.5, 0.25, 2, 0 ]
            }
          ],
          "outputs" : [
            { "name" : "color" },
            { "name" : "decision" }
          ]
        }""";
    RestClient.Reply r = rest.post("/v2/models/vectors/infer", body);
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    JsonNode answer = r.json();
    assertThat(answer.get("id").asText()).isEqualTo("42");
    assertThat(answer.get("model_name").asText()).isEqualTo("vectors");
    assertThat(answer.get("model_version").asText()).isEqualTo("1");
    JsonNode color = answer.get("outputs").get(0);
    assertThat(color.get("name").asText()).isEqualTo("color");
    assertThat(color.get("datatype").asText()).isEqualTo("FP32");
    assertThat(color.get("shape").toString()).isEqualTo("[2,3]");
    assertThat(color.get("parameters").get("labels").asText())
        .isEqualTo("[\"red\",\"green\",\"blue\"]");
    JsonNode decision = answer.get("outputs").get(1);
    assertThat(decision.get("datatype").asText()).isEqualTo("BYTES");
    assertThat(decision.get("shape").toString()).isEqualTo("[2]");

    ModelInferResponse viaGrpc = grpc().modelInfer(vectors(1, 2, 3, 4, -1.5f, 0.25f, 2, 0));
    assertSameAnswer(answer, viaGrpc);
  }

  @Test
  void nestedDataIsTheSameTensorAsFlatData() throws Exception {
    String flat = infer("[ 1, 2, 3, 4, 5, 6, 7, 8 ]");
    String nested = infer("[ [ 1, 2, 3, 4 ], [ 5, 6, 7, 8 ] ]");
    assertThat(nested).isEqualTo(flat);
  }

  private static String infer(String data) throws Exception {
    RestClient.Reply r = rest.post("/v2/models/vectors/infer", "{\"inputs\": [{\"name\": "
        + "\"input\", \"shape\": [2, 4], \"datatype\": \"FP32\", \"data\": " + data + "}]}");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json().get("outputs").toString();
  }

  /**
   * Triton's binary data example: the input as binary data after the JSON, one output asked
   * for as binary data; the other comes back as JSON.
   */
  @Test
  void binaryTensorDataInAndOut() throws Exception {
    String head = """
        {
          "model_name" : "vectors",
          "inputs" : [
            {
              "name" : "input",
              "shape" : [ 2, 4 ],
              "datatype" : "FP32",
              "parameters" : {
                "binary_data_size" : 32
              }
            }
          ],
          "outputs" : [
            {
              "name" : "color",
              "parameters" : {
                "binary_data" : true
              }
            },
            { "name" : "decision" }
          ]
        }""";
    float[] values = {1, 2, 3, 4, -1.5f, 0.25f, 2, 0};
    RestClient.Reply r =
        rest.postBinary("/v2/models/vectors/infer", head, RestClient.fp32(values));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(r.contentType()).hasValue("application/octet-stream");
    assertThat(r.headerLength()).isPresent();
    JsonNode answer = r.json();
    JsonNode color = answer.get("outputs").get(0);
    assertThat(color.has("data")).isFalse();
    assertThat(color.get("parameters").get("binary_data_size").asInt()).isEqualTo(2 * 3 * 4);
    float[] probabilities = RestClient.floats(r.binary());
    assertThat(probabilities).hasSize(6);

    ModelInferResponse viaGrpc = grpc().modelInfer(vectors(values));
    List<Float> expected = viaGrpc.getOutputs(0).getContents().getFp32ContentsList();
    for (int i = 0; i < 6; i++) {
      assertThat(probabilities[i]).isCloseTo(expected.get(i), within(1e-5f));
    }
    assertThat(answer.get("outputs").get(1).get("data").toString()).isEqualTo(
        List.of(viaGrpc.getOutputs(2).getContents().getBytesContents(0).toStringUtf8(),
            viaGrpc.getOutputs(2).getContents().getBytesContents(1).toStringUtf8())
            .stream().map(s -> "\"" + s + "\"").toList().toString().replace(", ", ","));
  }

  @Test
  void binaryDataOutputSendsEveryOutputAsBinary() throws Exception {
    String head = "{\"parameters\": {\"binary_data_output\": true}, \"inputs\": [{\"name\": "
        + "\"input\", \"shape\": [1, 4], \"datatype\": \"FP32\", \"data\": [1, 2, 3, 4]}]}";
    RestClient.Reply r = rest.post("/v2/models/vectors/infer", head);
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    int total = 0;
    for (JsonNode out : r.json().get("outputs")) {
      assertThat(out.has("data")).as(out.toString()).isFalse();
      total += out.get("parameters").get("binary_data_size").asInt();
    }
    assertThat(r.binary()).hasSize(total);
  }

  /** Images go as BYTES binary data: each element its 4-byte little-endian length, then it. */
  @Test
  void imagesAsBinaryBytesElements() throws Exception {
    byte[] a = TestInputs.png(16, 16, 1);
    byte[] b = TestInputs.png(20, 12, 2);
    byte[] binary = RestClient.bytesElements(a, b);
    String head = "{\"inputs\": [{\"name\": \"input\", \"shape\": [2], \"datatype\": \"BYTES\", "
        + "\"parameters\": {\"binary_data_size\": " + binary.length + "}}], "
        + "\"outputs\": [{\"name\": \"decision\"}, {\"name\": \"shade\"}]}";
    RestClient.Reply r = rest.postBinary("/v2/models/pictures/infer", head, binary);
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    ModelInferResponse viaGrpc = grpc().modelInfer(ModelInferRequest.newBuilder()
        .setModelName("pictures")
        .addInputs(InferInputTensor.newBuilder().setName("input").setDatatype("BYTES").addShape(2)
            .setContents(InferTensorContents.newBuilder().addBytesContents(ByteString.copyFrom(a))
                .addBytesContents(ByteString.copyFrom(b))))
        .build());
    JsonNode decision = r.json().get("outputs").get(0);
    assertThat(decision.get("data").get(0).asText()).isEqualTo(
        output(viaGrpc, "decision").getBytesContents(0).toStringUtf8());
    assertThat(decision.get("data").get(1).asText()).isEqualTo(
        output(viaGrpc, "decision").getBytesContents(1).toStringUtf8());
    assertThat(r.json().get("outputs").get(1).get("shape").toString()).isEqualTo("[2,3]");
  }

  @Test
  void textsAsJsonStrings() throws Exception {
    RestClient.Reply r = rest.post("/v2/models/words/infer", "{\"inputs\": [{\"name\": \"input\","
        + " \"shape\": [2, 1], \"datatype\": \"BYTES\", \"data\": [[\"a small cat\"], [\"a red "
        + "truck\"]]}], \"outputs\": [{\"name\": \"topic\"}]}");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    JsonNode topic = r.json().get("outputs").get(0);
    assertThat(topic.get("shape").toString()).isEqualTo("[2,2]");
    assertThat(topic.get("data")).hasSize(4);
  }

  @Test
  void restCallsAreCountedInTheSameMetrics() throws Exception {
    rest.get("/v2/health/live");
    rest.post("/v2/models/nope/infer", "{}");
    HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    assertThat(page.body())
        .contains("cerberus_requests_total{code=\"OK\",method=\"rest:ServerLive\"}")
        .contains("cerberus_requests_total{code=\"NOT_FOUND\",method=\"rest:ModelInfer\"}");
  }

  static ModelInferRequest vectors(float... values) {
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    for (float v : values) c.addFp32Contents(v);
    return ModelInferRequest.newBuilder().setModelName("vectors")
        .addInputs(InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
            .addShape(values.length / 4).addShape(4).setContents(c))
        .build();
  }

  private static InferTensorContents output(ModelInferResponse response, String name) {
    return response.getOutputsList().stream().filter(t -> t.getName().equals(name))
        .findFirst().orElseThrow().getContents();
  }

  /** Each REST output holds the values of the gRPC output of the same name. */
  private static void assertSameAnswer(JsonNode answer, ModelInferResponse viaGrpc) {
    for (JsonNode out : answer.get("outputs")) {
      InferTensorContents expected = output(viaGrpc, out.get("name").asText());
      JsonNode data = out.get("data");
      switch (out.get("datatype").asText()) {
        case "FP32" -> {
          assertThat(data).hasSize(expected.getFp32ContentsCount());
          for (int i = 0; i < data.size(); i++) {
            assertThat(data.get(i).floatValue())
                .isCloseTo(expected.getFp32Contents(i), within(1e-5f));
          }
        }
        case "BYTES" -> {
          assertThat(data).hasSize(expected.getBytesContentsCount());
          for (int i = 0; i < data.size(); i++) {
            assertThat(data.get(i).asText())
                .isEqualTo(expected.getBytesContents(i).toStringUtf8());
          }
        }
        default -> throw new AssertionError("unexpected datatype in " + out);
      }
    }
  }
}
