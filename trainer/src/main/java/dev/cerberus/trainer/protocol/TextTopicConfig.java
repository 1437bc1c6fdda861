package dev.cerberus.trainer.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cerberus.trainer.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A text template config turned into one base topic's config: one binary head per X of the
 * topic ({@code labels: [base, x]}, {@code base_label: base}), each a copy of the template's
 * {@code heads[0]} (so {@code unknown_method}, {@code hidden}, ... carry over);
 * {@code data.train|val|test} read TOPIC/&lt;x&gt;-train|val|test.jsonl; each outlier and OOD
 * set reads TOPIC/&lt;its name&gt;.txt; the bundle goes to WORK/&lt;topic&gt;/bundle; other
 * relative paths (backbone, tokenizer, cache) are made absolute against the template's folder.
 * Overrides ({@code --set ood.serve=auto}) are applied last. Written as
 * WORK/&lt;topic&gt;/config.json.
 */
public final class TextTopicConfig {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();

  private TextTopicConfig() {}

  /** Writes the topic's config and returns its path. */
  public static Path write(Path template, TextTopic topic, Path work, List<String> overrides)
      throws IOException {
    JsonNode t = YAML.readTree(template.toFile());
    if (!(t instanceof ObjectNode root)) {
      throw new ConfigException(template + ": not a config mapping");
    }
    if (!"text".equals(root.path("input").path("kind").asText())) {
      throw new ConfigException(template + ": input.kind: the text protocol needs text input");
    }
    if (root.path("ood").has("head")) {
      throw new ConfigException(template + ": ood.head: leave it out (the protocol names the"
          + " heads after each topic's X; the first head decides the top-level policy)");
    }
    Path base = template.toAbsolutePath().getParent();
    Path dir = work.resolve(topic.name()).toAbsolutePath();
    root.put("output", dir.resolve("bundle").toString());
    root.put("description", root.path("description").asText("") + " [text protocol topic "
        + topic.name() + ": " + topic.base() + " vs " + topic.heads() + "]");
    absolute(root, "cache_dir", base);
    ObjectNode backbone = (ObjectNode) root.path("backbone");
    absolute(backbone, "file", base);
    if (backbone.path("split") instanceof ObjectNode s) {
      absolute(s, "trunk", base);
      absolute(s, "top", base);
    }
    if (root.path("input").path("text") instanceof ObjectNode text) {
      absolute(text, "tokenizer", base);
    }
    root.set("heads", heads(template, root, topic));
    ObjectNode data = root.putObject("data");
    for (String role : List.of("train", "val", "test")) {
      ArrayNode a = data.putArray(role);
      for (String x : topic.heads()) {
        a.addObject().put("jsonl", topic.folder().resolve(x + "-" + role + ".jsonl").toString());
      }
    }
    for (String list : List.of("outliers", "ood_sets")) {
      ArrayNode a = root.path(list) instanceof ArrayNode x ? x : JSON.createArrayNode();
      for (int i = 0; i < a.size(); i++) {
        String name = a.get(i).path("name").asText("");
        if (name.isEmpty()) {
          throw new ConfigException(template + ": " + list + "[" + i + "].name: required by the"
              + " protocol (the set is read from TOPIC/<name>.txt)");
        }
        ObjectNode set = JSON.createObjectNode();
        set.put("name", name);
        set.put("text", topic.folder().resolve(name + ".txt").toString());
        a.set(i, set);
      }
    }
    for (String o : overrides) {
      SplitConfig.override(root, o);
    }
    Files.createDirectories(dir);
    Path out = dir.resolve("config.json");
    JSON.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), root);
    return out;
  }

  /** One binary head per X, each a copy of the template's heads[0] with the topic's labels. */
  static ArrayNode heads(Path template, ObjectNode root, TextTopic topic) {
    JsonNode first = root.path("heads").path(0);
    if (!(first instanceof ObjectNode proto) || !"binary".equals(proto.path("kind").asText())) {
      throw new ConfigException(template + ": heads[0]: the text protocol copies a binary"
          + " \"base vs X\" head for every X of a topic; heads[0] must be one");
    }
    ArrayNode out = JSON.createArrayNode();
    for (String x : topic.heads()) {
      ObjectNode h = proto.deepCopy();
      h.put("name", x);
      h.set("labels", JSON.valueToTree(List.of(topic.base(), x)));
      h.put("base_label", topic.base());
      out.add(h);
    }
    return out;
  }

  private static void absolute(ObjectNode o, String key, Path base) {
    if (o.hasNonNull(key)) {
      o.put(key, base.resolve(o.get(key).asText()).normalize().toString());
    }
  }
}
