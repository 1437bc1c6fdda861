package dev.cerberus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import dev.cerberus.proto.oip.GRPCInferenceServiceGrpc;
import dev.cerberus.proto.v1.ClassifierGrpc;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1Service;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * deploy/: the Kubernetes and KServe manifests and the Dockerfile, checked without a cluster or
 * a Docker engine. Every Kubernetes object is validated field by field against the API models of
 * the official Kubernetes Java client (an unknown or misspelt field fails), and every container
 * command line is parsed by the server's own flag parser, so a renamed flag breaks this test
 * instead of a rollout.
 */
class DeploymentManifestsTest {

  private static final Path DEPLOY = Path.of("..", "deploy");
  private static final ObjectMapper JSON = new ObjectMapper();

  private static List<JsonNode> documents(String file) throws IOException {
    YAMLMapper yaml = new YAMLMapper();
    List<JsonNode> docs = new ArrayList<>();
    try (var parser = new YAMLFactory().createParser(DEPLOY.resolve(file).toFile())) {
      for (var it = yaml.readValues(parser, JsonNode.class); it.hasNext(); ) {
        docs.add(it.next());
      }
    }
    return docs;
  }

  private static JsonNode kind(List<JsonNode> docs, String kind) {
    return docs.stream().filter(d -> kind.equals(d.path("kind").asText())).findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " in the manifest"));
  }

  private static JsonElement gson(JsonNode node) throws IOException {
    return JsonParser.parseString(JSON.writeValueAsString(node));
  }

  private static ServerSettings serverSettings(List<String> args) throws IOException {
    return ServerMain.parse(args.toArray(String[]::new), new PrintWriter(new StringWriter()));
  }

  private static int port(V1Container container, String name) {
    return container.getPorts().stream().filter(p -> name.equals(p.getName()))
        .map(V1ContainerPort::getContainerPort).findFirst()
        .orElseThrow(() -> new AssertionError("no container port named " + name));
  }

  /** The -Xmx of a JVM options string, in MiB. */
  private static long heapMib(String javaOpts) {
    Matcher m = Pattern.compile("-Xmx(\\d+)([gGmM])").matcher(javaOpts);
    assertThat(m.find()).as("-Xmx in " + javaOpts).isTrue();
    long n = Long.parseLong(m.group(1));
    return m.group(2).equalsIgnoreCase("g") ? n * 1024 : n;
  }

  @Test
  void kubernetesDeploymentIsValidAndMatchesTheServersFlags() throws IOException {
    List<JsonNode> docs = documents("k8s/cerberus.yaml");
    JsonNode deploymentJson = kind(docs, "Deployment");
    V1Deployment.validateJsonElement(gson(deploymentJson)); // throws on an unknown field
    V1Deployment deployment = V1Deployment.fromJson(JSON.writeValueAsString(deploymentJson));
    assertThat(deployment.getApiVersion()).isEqualTo("apps/v1");
    V1PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    V1Container c = pod.getContainers().get(0);

    ServerSettings s = serverSettings(c.getArgs());
    assertThat(s.host()).as("reachable from other pods").isEqualTo("0.0.0.0");
    assertThat(s.port()).isEqualTo(port(c, "grpc"));
    assertThat(s.metricsPort()).isEqualTo(port(c, "metrics"));

    // probes ask the health service on the gRPC port, for names the server really registers
    Set<String> healthNames = Set.of("", ClassifierGrpc.SERVICE_NAME,
        GRPCInferenceServiceGrpc.SERVICE_NAME);
    assertThat(c.getReadinessProbe().getGrpc().getPort()).isEqualTo(s.port());
    assertThat(healthNames).contains(c.getReadinessProbe().getGrpc().getService());
    assertThat(c.getStartupProbe().getGrpc().getPort()).isEqualTo(s.port());
    assertThat(healthNames).contains(c.getStartupProbe().getGrpc().getService());
    assertThat(c.getLivenessProbe().getTcpSocket().getPort().getIntValue()).isEqualTo(s.port());

    // SIGTERM comes after preStop; the drain must end before the kubelet's SIGKILL
    long preStop = c.getLifecycle().getPreStop().getSleep().getSeconds();
    assertThat(preStop + s.drainTimeout().toSeconds())
        .isLessThan(pod.getTerminationGracePeriodSeconds());

    // the heap bound fits the memory limit with room for libtorch's native memory
    String javaOpts = c.getEnv().stream().filter(e -> e.getName().equals("CERBERUS_JAVA_OPTS"))
        .findFirst().orElseThrow().getValue();
    long limitMib = c.getResources().getLimits().get("memory").getNumber()
        .longValue() / (1024 * 1024);
    assertThat(heapMib(javaOpts) + 1024).isLessThanOrEqualTo(limitMib);
    assertThat(deployment.getSpec().getSelector().getMatchLabels())
        .isEqualTo(deployment.getSpec().getTemplate().getMetadata().getLabels());
  }

  @Test
  void headlessServiceSelectsThePodsAndNamesTheirPorts() throws IOException {
    List<JsonNode> docs = documents("k8s/cerberus.yaml");
    JsonNode serviceJson = kind(docs, "Service");
    V1Service.validateJsonElement(gson(serviceJson));
    V1Service service = V1Service.fromJson(JSON.writeValueAsString(serviceJson));
    V1Deployment deployment = V1Deployment.fromJson(
        JSON.writeValueAsString(kind(docs, "Deployment")));
    assertThat(service.getSpec().getClusterIP()).as("headless: DNS returns every pod")
        .isEqualTo("None");
    assertThat(service.getSpec().getSelector())
        .isEqualTo(deployment.getSpec().getTemplate().getMetadata().getLabels());
    Set<String> containerPorts = deployment.getSpec().getTemplate().getSpec().getContainers()
        .get(0).getPorts().stream().map(V1ContainerPort::getName).collect(Collectors.toSet());
    service.getSpec().getPorts().forEach(p ->
        assertThat(containerPorts).contains(p.getTargetPort().getStrValue()));
  }

  @Test
  void aMisspeltFieldIsCaught() throws IOException {
    // the check above can fail: the same validator on a manifest with a typo
    JsonNode deployment = kind(documents("k8s/cerberus.yaml"), "Deployment").deepCopy();
    ((com.fasterxml.jackson.databind.node.ObjectNode) deployment.path("spec"))
        .put("replica", 3);
    assertThatThrownBy(() -> V1Deployment.validateJsonElement(gson(deployment)))
        .hasMessageContaining("replica");
  }

  @Test
  void kserveRuntimeServesTheInferenceServiceOverGrpc() throws IOException {
    List<JsonNode> docs = documents("kserve/cerberus-runtime.yaml");
    JsonNode runtime = kind(docs, "ServingRuntime");
    JsonNode isvc = kind(docs, "InferenceService");
    assertThat(runtime.path("apiVersion").asText()).isEqualTo("serving.kserve.io/v1alpha1");
    assertThat(isvc.path("apiVersion").asText()).isEqualTo("serving.kserve.io/v1beta1");

    JsonNode containerJson = runtime.path("spec").path("containers").get(0);
    V1Container.validateJsonElement(gson(containerJson)); // a core/v1 Container inside the CRD
    V1Container c = V1Container.fromJson(JSON.writeValueAsString(containerJson));
    assertThat(c.getName()).isEqualTo("kserve-container");
    ServerSettings s = serverSettings(c.getArgs());
    assertThat(s.modelsDir()).as("KServe's storage initializer writes here")
        .isEqualTo(Path.of("/mnt/models"));
    assertThat(s.port()).isEqualTo(port(c, "h2c"));
    assertThat(s.host()).isEqualTo("0.0.0.0");

    JsonNode model = isvc.path("spec").path("predictor").path("model");
    assertThat(model.path("runtime").asText())
        .isEqualTo(runtime.path("metadata").path("name").asText());
    List<String> formats = new ArrayList<>();
    runtime.path("spec").path("supportedModelFormats").forEach(f -> formats.add(f.path("name")
        .asText()));
    assertThat(formats).contains(model.path("modelFormat").path("name").asText());
    List<String> protocols = new ArrayList<>();
    runtime.path("spec").path("protocolVersions").forEach(p -> protocols.add(p.asText()));
    assertThat(protocols).contains(model.path("protocolVersion").asText());
  }

  @Test
  void dockerfileCommandsAreOnesTheServerAccepts() throws IOException {
    String dockerfile = Files.readString(DEPLOY.resolve("Dockerfile"));
    Matcher cmd = Pattern.compile("(?m)^CMD (\\[.*\\])$").matcher(dockerfile);
    assertThat(cmd.find()).isTrue();
    List<String> args = new ArrayList<>();
    JSON.readTree(cmd.group(1)).forEach(a -> args.add(a.asText()));
    ServerSettings s = serverSettings(args);
    assertThat(s.host()).isEqualTo("0.0.0.0");
    Matcher expose = Pattern.compile("(?m)^EXPOSE (.*)$").matcher(dockerfile);
    assertThat(expose.find()).isTrue();
    assertThat(expose.group(1).split("\\s+"))
        .containsExactlyInAnyOrder(String.valueOf(s.port()), String.valueOf(s.metricsPort()));
    assertThat(dockerfile).contains("cerberus-server.jar " + ServerMain.ENGINE_CHECK);
    assertThat(serverSettings(List.of(ServerMain.ENGINE_CHECK))).isNotNull();
    // the COPY sources exist where the build leaves them (the jar after ./mvnw package)
    assertThat(dockerfile).contains("COPY server/target/cerberus-server.jar");
    assertThat(Path.of("..", "models")).isDirectory();
  }
}
