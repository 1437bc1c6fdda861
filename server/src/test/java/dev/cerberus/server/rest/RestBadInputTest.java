package dev.cerberus.server.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cerberus.server.CerberusServer;
import dev.cerberus.server.ServerSettings;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bad REST requests get one clear {@code {"error": "..."}} with the right HTTP status, and the
 * server answers the next good request as before (checked after every test).
 */
class RestBadInputTest {

  private static final String INFER = "/v2/models/vectors/infer";
  private static CerberusServer server;
  private static RestClient rest;

  @BeforeAll
  static void start() throws Exception {
    Path models = Path.of(RestBadInputTest.class.getResource("/oip").toURI());
    server = CerberusServer.start(ServerSettings.from(Map.of("cerberus.port", "0",
        "cerberus.models", models.toString(), "cerberus.rest.port", "0",
        "cerberus.max-inbound-message-bytes", "65536")));
    rest = new RestClient(server.restPort());
  }

  @AfterAll
  static void stop() {
    server.shutdown();
  }

  @AfterEach
  void serverStillAnswers() throws Exception {
    assertThat(rest.get("/v2/health/ready").status()).isEqualTo(200);
    RestClient.Reply good = rest.post(INFER, input("[1, 4]", "FP32", "[1, 2, 3, 4]"));
    assertThat(good.status()).as(good.text()).isEqualTo(200);
  }

  private static String input(String shape, String datatype, String data) {
    return "{\"inputs\": [{\"name\": \"input\", \"shape\": " + shape + ", \"datatype\": \""
        + datatype + "\", \"data\": " + data + "}]}";
  }

  private static void assertError(RestClient.Reply r, int status, String... fragments)
      throws Exception {
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    assertThat(r.contentType()).hasValue("application/json");
    assertThat(r.json().size()).as(r.text()).isEqualTo(1);
    assertThat(r.error()).contains(fragments);
  }

  @Test
  void bodyThatIsNotJson() throws Exception {
    assertError(rest.post(INFER, "input=1,2,3,4"), 400, "not valid JSON", "line 1");
    assertError(rest.post(INFER, "{\"inputs\": ["), 400, "not valid JSON");
    assertError(rest.post(INFER, ""), 400, "body is empty");
    assertError(rest.post(INFER, "[1, 2]"), 400, "is an array", "must be a JSON object");
    assertError(rest.post(INFER, "{\"inputs\": [], \"inputs\": []}"), 400, "Duplicate field");
  }

  /**
   * The spec's own example (required_api.md, "Inference Request Examples") sends 1 value for
   * input1's shape [3]; with that fixed, it is still two inputs for a one-input model.
   */
  @Test
  void theSpecExampleAsWrittenIsRefusedWithTheReason() throws Exception {
    String spec = """
        {
          "id" : "42",
          "inputs" : [
            { "name" : "input0", "shape" : [ 2, 2 ], "datatype" : "UINT32", "data" : [ 1, 2, 3, 4 ] },
            { "name" : "input1", "shape" : [ 3 ], "datatype" : "BOOL", "data" : [ true ] }
          ],
          "outputs" : [ { "name" : "output0" } ]
        }""";
    assertError(rest.post(INFER, spec), 400, "input 'input1' has shape [3] (3 elements)",
        "holds 1");
    assertError(rest.post(INFER, spec.replace("[ 3 ]", "[ 1 ]")), 400,
        "2 inputs [input0, input1]", "takes exactly one input 'input' (FP32 [-1,4]");
  }

  @Test
  void wrongShapes() throws Exception {
    assertError(rest.post(INFER, input("[1, 3]", "FP32", "[1, 2, 3]")), 400,
        "shape [1,3]", "takes [-1,4]");
    assertError(rest.post(INFER, input("[1, 4]", "FP32", "[1, 2, 3]")), 400,
        "shape [1,4] (4 elements)", "holds 3");
    assertError(rest.post(INFER, input("[1, 4]", "FP32", "[[1, 2], [3, 4]]")), 400,
        "does not match shape [1,4]", "data is an array of 2");
    assertError(rest.post(INFER, input("[1, -4]", "FP32", "[1, 2, 3, 4]")), 400,
        "shape[1] is the number -4");
    assertError(rest.post(INFER, input("\"1x4\"", "FP32", "[1, 2, 3, 4]")), 400,
        "\"shape\" is a string");
    assertError(rest.post(INFER, "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 4], "
        + "\"datatype\": \"FP32\"}]}"), 400, "has no \"data\"");
    assertError(rest.post(INFER, "{\"outputs\": []}"), 400, "\"inputs\" must be", "missing");
  }

  @Test
  void wrongDatatypes() throws Exception {
    assertError(rest.post(INFER, input("[1, 4]", "INT32", "[1, 2, 3, 4]")), 400,
        "datatype 'INT32'", "takes 'input' (FP32 [-1,4]");
    assertError(rest.post(INFER, input("[1, 4]", "FLOAT32", "[1, 2, 3, 4]")), 400,
        "datatype 'FLOAT32'", "the v2 datatypes are [BOOL");
    assertError(rest.post(INFER, input("[1, 4]", "FP32", "[1, \"two\", 3, 4]")), 400,
        "data[1] is a string", "FP32 data must be a number");
    assertError(rest.post(INFER, input("[1, 4]", "UINT8", "[1, 2, 300, 4]")), 400,
        "data[2] is 300, outside 0..255");
    assertError(rest.post(INFER, input("[1, 4]", "FP32", "[1, 2, 3, 1e300]")), 400,
        "outside the FP32 range");
  }

  @Test
  void unknownModelVersionOutputAndEndpoint() throws Exception {
    String body = input("[1, 4]", "FP32", "[1, 2, 3, 4]");
    assertError(rest.post("/v2/models/nope/infer", body), 404, "model 'nope' is not loaded",
        "vectors");
    assertError(rest.post("/v2/models/vectors/versions/7/infer", body), 404, "no version '7'");
    assertError(rest.get("/v2/models/nope"), 404, "model 'nope' is not loaded");
    assertError(rest.get("/v2/models/nope/ready"), 404, "not loaded");
    assertError(rest.post(INFER, body.replace("}]}", "}], \"outputs\": [{\"name\": \"x\"}]}")),
        400, "unknown output 'x'");
    assertError(rest.get("/v1/models/vectors:predict"), 404, "no endpoint", "POST /v2/models");
    assertError(rest.get("/v2/models/vectors/explain"), 404, "no endpoint");
  }

  @Test
  void wrongMethodIs405WithAllow() throws Exception {
    var r = rest.send(rest.request(INFER).GET(), INFER);
    assertError(r, 405, "GET is not allowed on /v2/models/vectors/infer; use POST");
    var delete = rest.send(rest.request("/v2/health/live").DELETE(), "/v2/health/live");
    assertError(delete, 405, "use GET");
  }

  @Test
  void binaryDataThatDoesNotAddUp() throws Exception {
    String head = "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 4], \"datatype\": \"FP32\","
        + " \"parameters\": {\"binary_data_size\": SIZE}}]}";
    byte[] four = RestClient.fp32(1, 2, 3, 4);
    assertError(rest.postBinary(INFER, head.replace("SIZE", "12"), four), 400,
        "(4 FP32 elements = 16 bytes) but binary_data_size is 12");
    byte[] extra = java.util.Arrays.copyOf(four, 20);
    assertError(rest.postBinary(INFER, head.replace("SIZE", "16"), extra), 400,
        "4 bytes after the JSON");
    assertError(rest.postBinary(INFER, head.replace("SIZE", "16"), new byte[8]), 400,
        "only 8 bytes of binary data");
    assertError(rest.post(INFER, head.replace("SIZE", "16")), 400,
        "no Inference-Header-Content-Length header");
    var r = rest.send(rest.request(INFER).header("Inference-Header-Content-Length", "many")
        .POST(HttpRequest.BodyPublishers.ofString("{}")), INFER);
    assertError(r, 400, "Inference-Header-Content-Length is 'many'");
  }

  @Test
  void bodyOverTheLimitIs413() throws Exception {
    StringBuilder data = new StringBuilder("[1, 2, 3, 4");
    while (data.length() < 70_000) data.append(", 1, 2, 3, 4");
    assertError(rest.post(INFER, input("[1, 4]", "FP32", data + "]")), 413,
        "at most 65536 bytes", "cerberus.max-inbound-message-bytes");
  }

  @Test
  void tooManyItemsNamesTheLimit() throws Exception {
    StringBuilder data = new StringBuilder("[0, 0, 0, 0");
    for (int i = 1; i < 257; i++) data.append(", 0, 0, 0, 0");
    assertError(rest.post(INFER, input("[257, 4]", "FP32", data + "]")), 400,
        "257 items", "cerberus.max-items-per-request");
  }
}
