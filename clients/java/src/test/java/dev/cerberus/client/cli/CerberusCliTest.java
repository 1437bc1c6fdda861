package dev.cerberus.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cerberus.client.FakeClassifier;
import dev.cerberus.client.TestServer;
import dev.cerberus.proto.v1.Item;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CerberusCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private FakeClassifier fake;
  private HealthStatusManager health;
  private TestServer server;

  record Run(int code, String out, String err) {
    List<JsonNode> lines() {
      return out.lines().map(CerberusCliTest::parse).toList();
    }
  }

  @BeforeEach
  void start() throws IOException {
    fake = new FakeClassifier();
    health = new HealthStatusManager();
    server = new TestServer(fake, health.getHealthService());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private Run cli(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add(1, "--target=" + server.target());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = CerberusCli.run(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  static JsonNode parse(String line) {
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      throw new AssertionError("not a JSON line: " + line, e);
    }
  }

  private Path image(String relative, String content) throws IOException {
    Path p = dir.resolve(relative);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
    return p;
  }

  @Test
  void everySubcommandTakesHelp() {
    for (String command : List.of("classify", "health", "models")) {
      for (String flag : List.of("--help", "-h")) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = CerberusCli.run(new PrintWriter(out), new PrintWriter(err), command, flag);
        assertThat(code).as(command + " " + flag + ": " + err).isZero();
        assertThat(out.toString()).as(command + " " + flag).contains("Usage: cerberus " + command);
      }
    }
  }

  @Test
  void textsPrintOneJsonObjectPerLine() {
    Run r = cli("classify", "--text", "Trouser", "???");
    assertThat(r.code()).isZero();
    List<JsonNode> lines = r.lines();
    assertThat(lines).hasSize(2);
    JsonNode first = lines.get(0);
    assertThat(first.get("id").asText()).isEqualTo("0");
    assertThat(first.get("decision").asText()).isEqualTo("Trouser");
    assertThat(first.get("unknown").asBoolean()).isFalse();
    assertThat(first.get("ood_score").asDouble()).isEqualTo(0.25);
    assertThat(first.at("/heads/category/label").asText()).isEqualTo("Trouser");
    assertThat(first.at("/heads/category/probabilities/Trouser").asDouble()).isEqualTo(0.75);
    assertThat(lines.get(1).get("id").asText()).isEqualTo("1");
    assertThat(lines.get(1).get("decision").asText()).isEqualTo("unknown");
    assertThat(lines.get(1).get("unknown").asBoolean()).isTrue();
    // without per-head policies the output has no per-head fields
    assertThat(first.has("accepted_heads")).isFalse();
    assertThat(first.at("/heads/category").has("unknown")).isFalse();
    // The only model served is the default.
    assertThat(fake.classifyRequests.get(0).getModel()).isEqualTo("fashion");
  }

  @Test
  void theReasonTheGateAndTheFusionMembersArePrinted() {
    JsonNode line = cli("classify", "--text", "gated").lines().get(0);
    assertThat(line.get("reason").asText()).isEqualTo("gate");
    assertThat(line.at("/gate/head").asText()).isEqualTo("gate");
    assertThat(line.at("/gate/score").asDouble()).isEqualTo(0.875);
    assertThat(line.at("/gate/threshold").asDouble()).isEqualTo(0.5);
    assertThat(line.at("/ood_components/knn").asDouble()).isEqualTo(0.25);
    assertThat(line.at("/ood_components/energy").asDouble()).isEqualTo(-3.0);
    assertThat(line.at("/heads/category/reason").asText()).isEqualTo("gate");
    // a server older than the reason field sends none: nothing is printed for it
    JsonNode old = cli("classify", "--text", "Trouser").lines().get(0);
    assertThat(old.has("reason")).isFalse();
    assertThat(old.has("gate")).isFalse();
    assertThat(old.has("ood_components")).isFalse();
  }

  @Test
  void perHeadUnknownVerdictsAndAcceptedHeadsAreShownWhenPresent() {
    Run r = cli("classify", "--text", "per-head");
    assertThat(r.code()).isZero();
    JsonNode line = r.lines().get(0);
    assertThat(line.at("/heads/is-bag/unknown").asBoolean()).isTrue();
    assertThat(line.at("/heads/is-bag/ood_score").asDouble()).isEqualTo(0.5);
    assertThat(line.at("/heads/is-bag/threshold").asDouble()).isEqualTo(0.25);
    assertThat(line.at("/heads/is-shoe/unknown").asBoolean()).isFalse();
    assertThat(line.get("accepted_heads")).hasSize(1);
    assertThat(line.at("/accepted_heads/0").asText()).isEqualTo("is-shoe");
  }

  @Test
  void imageFilesAreIdentifiedByPathAndItemErrorsGiveExitCode3() throws IOException {
    Path ok = image("a/Bag.png", "Bag");
    Path bad = image("a/broken.png", "bad");
    Path missing = dir.resolve("missing.png");
    Run r = cli("classify", "--model", "fashion", "--batch", "2", ok.toString(), bad.toString(),
        missing.toString());
    assertThat(r.code()).isEqualTo(3);
    List<JsonNode> lines = r.lines();
    assertThat(lines).extracting(l -> l.get("id").asText())
        .containsExactly(ok.toString(), bad.toString(), missing.toString());
    assertThat(lines.get(0).get("decision").asText()).isEqualTo("Bag");
    assertThat(lines.get(1).at("/error/code").asText()).isEqualTo("INVALID_ARGUMENT");
    assertThat(lines.get(1).at("/error/message").asText()).contains("not decodable");
    assertThat(lines.get(2).at("/error/message").asText()).isEqualTo("no such file: " + missing);
    assertThat(lines.get(1).has("decision")).isFalse();
  }

  @Test
  void callLevelFailureIsOneReadableLineAndExitCode1() {
    Run r = cli("classify", "--model", "x", "--text", "a");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).isEqualTo("error: NOT_FOUND: model 'x' not found; models: fashion"
        + System.lineSeparator());
  }

  @Test
  void severalModelsAndNoModelChoiceIsAnErrorListingThem() {
    fake.models.add("digits");
    Run r = cli("classify", "--text", "a");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("several models (fashion, digits)").contains("--model")
        .doesNotContain("\tat ");
  }

  @Test
  void unreachableServerIsAReadableError() throws IOException {
    StringWriter err = new StringWriter();
    int code = CerberusCli.run(new PrintWriter(new StringWriter()), new PrintWriter(err),
        "classify", "--target", TestServer.deadTarget(), "--retries", "1", "--text", "a");
    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).startsWith("error: UNAVAILABLE").doesNotContain("\tat ");
  }

  @Test
  void badUsageIsExitCode2() {
    assertThat(cli("classify").code()).isEqualTo(2);
    assertThat(cli("classify", "--bulk", dir.toString(), "--text", "a").code()).isEqualTo(2);
  }

  @Test
  void streamModePrintsEveryItem() {
    Run r = cli("classify", "--stream", "--batch", "3", "--text", "a", "b", "c", "d", "e", "bad");
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.lines()).extracting(l -> l.get("id").asText())
        .containsExactlyInAnyOrder("0", "1", "2", "3", "4", "5");
    assertThat(fake.streamedItems).hasSize(6);
  }

  @Test
  void summaryCountsByFolderName() throws IOException {
    Path a = image("Bag/1.png", "Bag");
    Path b = image("Bag/2.png", "???");
    Path c = image("Trouser/1.png", "Bag");
    // coat is not a label of the model: unknown is the right decision, any label is wrong
    Path d = image("coat/1.png", "???");
    Path e = image("coat/2.png", "???");
    Path f = image("coat/3.png", "Trouser");
    Run r = cli("classify", "--summary", a.toString(), b.toString(), c.toString(),
        d.toString(), e.toString(), f.toString());
    assertThat(r.code()).isZero();
    assertThat(r.err()).contains("model fashion knows: Bag, Trouser")
        .containsPattern("Bag\\s+2\\s+1\\s+1\\s+0\\s+0")
        .containsPattern("Trouser\\s+1\\s+0\\s+0\\s+1\\s+0")
        .containsPattern("all known\\s+3\\s+1\\s+1\\s+1\\s+0")
        .containsPattern("coat\\s+3\\s+2\\s+1\\s+0")
        .containsPattern("all unseen\\s+3\\s+2\\s+1\\s+0")
        .contains("right decisions: 3 of 6 (known classes: 1 of 3 given their label;"
            + " unseen classes: 2 of 3 called unknown)");
    // unseen rows come after the known table's total
    assertThat(r.err().indexOf("coat")).isGreaterThan(r.err().indexOf("all known"));
  }

  @Test
  void summaryMatchesLabelsToFolderNamesLoosely() {
    assertThat(FolderSummary.slug("T-shirt/top")).isEqualTo("t-shirt-top");
    assertThat(FolderSummary.slug("Ankle boot")).isEqualTo("ankle-boot");
  }

  @Test
  void bulkFolderResumesAfterATruncatedRun() throws IOException {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      String rel = (i % 2 == 0 ? "Bag" : "deep/Trouser") + "/" + i + ".png";
      image("src/" + rel, i % 2 == 0 ? "Bag" : "Trouser");
      ids.add(rel);
    }
    Collections.sort(ids);
    Path out = dir.resolve("out.jsonl");
    // A previous run wrote four results, then died in the middle of the fifth line.
    StringBuilder previous = new StringBuilder();
    for (String id : ids.subList(0, 4)) {
      previous.append("{\"id\":\"").append(id).append("\",\"decision\":\"x\"}\n");
    }
    previous.append("{\"id\":\"").append(ids.get(4)).append("\",\"deci");
    Files.writeString(out, previous);

    Run r = cli("classify", "--bulk", dir.resolve("src").toString(), "--out", out.toString(),
        "--batch", "2", "--in-flight", "4");
    assertThat(r.code()).as(r.err()).isZero();
    List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
    assertThat(lines).hasSize(10);
    Set<String> written = lines.stream().map(l -> parse(l).get("id").asText())
        .collect(Collectors.toSet());
    assertThat(written).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(fake.streamedItems).extracting(Item::getId)
        .containsExactlyInAnyOrderElementsOf(ids.subList(4, 10));
    assertThat(r.err()).contains("dropped an incomplete last line").contains("6 to classify");

    // Run again: nothing left to do, nothing sent, file unchanged.
    int sentBefore = fake.streamedItems.size();
    Run again = cli("classify", "--bulk", dir.resolve("src").toString(), "--out", out.toString());
    assertThat(again.code()).isZero();
    assertThat(fake.streamedItems).hasSize(sentBefore);
    assertThat(Files.readAllLines(out)).hasSize(10);
  }

  @Test
  void bulkJsonlSkipsTransientItemErrorsSoARerunCompletesThem() throws IOException {
    Path src = dir.resolve("items.jsonl");
    image("img/pic.png", "Bag");
    Files.writeString(src, String.join("\n",
        "{\"id\":\"t1\",\"text\":\"Trouser\"}",
        "{\"id\":\"t2\",\"text\":\"busy\"}",
        "",
        "{\"id\":7,\"image\":\"img/pic.png\"}",
        "{\"id\":\"t3\",\"text\":\"bad\"}") + "\n");
    Path out = dir.resolve("res/out.jsonl");
    Run first = cli("classify", "--bulk", src.toString(), "--out", out.toString());
    assertThat(first.code()).isEqualTo(3);
    assertThat(first.err()).contains("1 items met a transient error");
    Set<String> ids = new HashSet<>();
    Files.readAllLines(out).forEach(l -> ids.add(parse(l).get("id").asText()));
    assertThat(ids).containsExactlyInAnyOrder("t1", "7", "t3");

    fake.busy = false;
    Run second = cli("classify", "--bulk", src.toString(), "--out", out.toString());
    assertThat(second.code()).as(second.err()).isZero();
    List<String> lines = Files.readAllLines(out);
    assertThat(lines).hasSize(4);
    assertThat(parse(lines.get(3)).get("decision").asText()).isEqualTo("busy");
  }

  @Test
  void bulkRejectsAMalformedSourceLineWithItsNumber() throws IOException {
    Path src = dir.resolve("items.jsonl");
    Files.writeString(src, "{\"id\":\"a\",\"text\":\"x\"}\n{\"text\":\"no id\"}\n");
    Run r = cli("classify", "--bulk", src.toString(), "--out", dir.resolve("o.jsonl").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("line 2: missing \"id\"");
    assertThat(fake.streamedItems).isEmpty();
  }

  @Test
  void healthExitCodeFollowsTheStatus() {
    health.setStatus("", ServingStatus.SERVING);
    Run serving = cli("health");
    assertThat(serving.code()).isZero();
    assertThat(serving.out().trim()).isEqualTo("SERVING");

    health.setStatus("cerberus.v1.Classifier", ServingStatus.NOT_SERVING);
    Run notServing = cli("health", "--service", "cerberus.v1.Classifier");
    assertThat(notServing.code()).isEqualTo(1);
    assertThat(notServing.out().trim()).isEqualTo("NOT_SERVING");
  }

  @Test
  void modelsListsHeadsLabelsPolicyAndStats() {
    Run text = cli("models");
    assertThat(text.code()).isZero();
    assertThat(text.out()).contains("fashion 1").contains("category (multiclass): Trouser, Bag")
        .contains("unknown: max_softmax on head category, threshold 0.5")
        .contains("decision: gate -> unknown -> class; gate: head gate, threshold 0.75")
        .contains("is-bag (binary, base base): base, bag; own unknown: knn, threshold 0.25")
        .contains("input: image 224x224").contains("forward_passes=3 items=7");

    Run json = cli("models", "--json");
    assertThat(json.code()).isZero();
    JsonNode model = parse(json.out().trim()).at("/models/0");
    assertThat(model.get("name").asText()).isEqualTo("fashion");
    assertThat(model.at("/heads/0/labels/1").asText()).isEqualTo("Bag");
    assertThat(model.at("/unknownPolicy/method").asText()).isEqualTo("max_softmax");
    assertThat(model.at("/heads/1/unknownPolicy/method").asText()).isEqualTo("knn");
  }
}
