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
 * A template config turned into one split's config: the decision head's labels become the
 * split's known classes; {@code data.train|val|test} read SPLIT/train|val|test; each outlier and
 * OOD set reads SPLIT/&lt;its name&gt;; the bundle goes to WORK/&lt;split&gt;/bundle; every other
 * relative path (backbone, cache) is made absolute against the template's folder. Overrides
 * ({@code --set ood.serve=auto}) are applied last. Written as WORK/&lt;split&gt;/config.json.
 */
public final class SplitConfig {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();

  private SplitConfig() {}

  /** Writes the split's config and returns its path. */
  public static Path write(Path template, Split split, Path work, List<String> overrides)
      throws IOException {
    JsonNode t = YAML.readTree(template.toFile());
    if (!(t instanceof ObjectNode root)) {
      throw new ConfigException(template + ": not a config mapping");
    }
    Path base = template.toAbsolutePath().getParent();
    Path dir = work.resolve(split.name()).toAbsolutePath();
    root.put("output", dir.resolve("bundle").toString());
    root.put("description", root.path("description").asText("") + " [protocol split "
        + split.name() + ": known " + split.known() + "]");
    absolute(root, "cache_dir", base);
    ObjectNode backbone = (ObjectNode) root.path("backbone");
    absolute(backbone, "file", base);
    if (backbone.path("split") instanceof ObjectNode s) {
      absolute(s, "trunk", base);
      absolute(s, "top", base);
    }
    decisionHead(template, root).set("labels", JSON.valueToTree(split.known()));
    ObjectNode data = (ObjectNode) root.path("data");
    for (String role : List.of("train", "val", "test")) {
      if (data.path(role) instanceof ArrayNode a) {
        if (a.size() != 1) {
          throw new ConfigException(template + ": data." + role + ": the protocol needs exactly"
              + " one source (it reads SPLIT/" + role + "), got " + a.size());
        }
        ((ObjectNode) a.get(0)).put("images", split.folder().resolve(role).toString());
      }
    }
    for (String list : List.of("outliers", "ood_sets")) {
      ArrayNode a = root.path(list) instanceof ArrayNode x ? x : JSON.createArrayNode();
      for (int i = 0; i < a.size(); i++) {
        String name = a.get(i).path("name").asText("");
        if (name.isEmpty()) {
          throw new ConfigException(template + ": " + list + "[" + i + "].name: required by the"
              + " protocol (the set is read from SPLIT/<name>)");
        }
        ((ObjectNode) a.get(i)).put("images", split.folder().resolve(name).toString());
      }
    }
    for (String o : overrides) {
      override(root, o);
    }
    Files.createDirectories(dir);
    Path out = dir.resolve("config.json");
    JSON.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), root);
    return out;
  }

  /** The head whose labels are the known classes: ood.head, else the first multiclass head. */
  static ObjectNode decisionHead(Path template, ObjectNode root) {
    String named = root.path("ood").path("head").asText(null);
    for (JsonNode h : root.path("heads")) {
      boolean multi = "multiclass".equals(h.path("kind").asText());
      if (named != null ? named.equals(h.path("name").asText()) : multi) {
        if (!multi) {
          throw new ConfigException(template + ": ood.head: the protocol's decision head must be"
              + " multiclass (its labels become the split's known classes)");
        }
        return (ObjectNode) h;
      }
    }
    throw new ConfigException(template + ": heads: no multiclass decision head for the split's"
        + " known classes");
  }

  /** {@code a.b.c=value}, the value read as YAML (a number, a list, a mapping, a string). */
  static void override(ObjectNode root, String kv) throws IOException {
    int eq = kv.indexOf('=');
    if (eq <= 0) {
      throw new ConfigException("--set " + kv + ": expected key.path=value");
    }
    String[] path = kv.substring(0, eq).split("\\.");
    JsonNode at = root;
    for (int i = 0; i < path.length - 1; i++) {
      JsonNode next = child(at, path[i], kv);
      if (next == null || next.isMissingNode() || next.isNull()) {
        next = ((ObjectNode) at).putObject(path[i]);
      }
      at = next;
    }
    String v = kv.substring(eq + 1);
    JsonNode value = v.isEmpty() ? JSON.nullNode() : YAML.readTree(v);
    value = value == null ? JSON.nullNode() : value;
    String last = path[path.length - 1];
    if (at instanceof ArrayNode a) {
      child(a, last, kv);
      a.set(Integer.parseInt(last), value);
    } else if (at instanceof ObjectNode o) {
      o.set(last, value);
    } else {
      throw new ConfigException("--set " + kv + ": " + last + " is below a scalar");
    }
  }

  /** A mapping's key or a list's index ({@code heads.0.hidden}); bad indexes are errors. */
  private static JsonNode child(JsonNode at, String key, String kv) {
    if (at instanceof ArrayNode a) {
      int i;
      try {
        i = Integer.parseInt(key);
      } catch (NumberFormatException e) {
        throw new ConfigException("--set " + kv + ": " + key + " indexes a list: a number");
      }
      if (i < 0 || i >= a.size()) {
        throw new ConfigException("--set " + kv + ": index " + i + " outside the list of "
            + a.size());
      }
      return a.get(i);
    }
    if (!(at instanceof ObjectNode)) {
      throw new ConfigException("--set " + kv + ": " + key + " is below a scalar");
    }
    return at.path(key);
  }

  private static void absolute(ObjectNode o, String key, Path base) {
    if (o.hasNonNull(key)) {
      o.put(key, base.resolve(o.get(key).asText()).normalize().toString());
    }
  }
}
