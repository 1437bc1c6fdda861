package dev.cerberus.model.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cerberus.model.bundle.BundleException;
import dev.cerberus.model.bundle.BundleReader;
import dev.cerberus.model.testing.FixtureBundles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@code bundle.json} from the fuzzer through the real reader and every validation rule, next
 * to the real files of the fixture bundles. A manifest is either accepted or refused with a
 * {@link BundleException} whose message is readable; any other throwable is a finding (a
 * repository scan must never die on a bad manifest). Two targets: raw bytes (the JSON parser
 * and the typed mapping) and structured edits of a valid fixture manifest (the rules behind
 * the parser, which random bytes rarely reach).
 */
class BundleFuzzTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] FIXTURES = {
    FixtureBundles.IMAGE, FixtureBundles.FLIP, FixtureBundles.SPLIT, FixtureBundles.TEXT
  };
  private static Path root;
  private static final List<JsonNode> MANIFESTS = new ArrayList<>();

  @BeforeAll
  static void fixtures() throws IOException {
    root = Files.createDirectories(Path.of("target", "fuzz-bundles"));
    MANIFESTS.clear();
    for (String name : FIXTURES) {
      Path dir = FixtureBundles.copyTo(name, root);
      MANIFESTS.add(JSON.readTree(dir.resolve(BundleReader.MANIFEST).toFile()));
    }
  }

  /** Raw bytes as the image fixture's manifest. Seeds: the four fixture manifests. */
  @FuzzTest(maxDuration = "10s")
  void manifestBytes(byte[] bytes) {
    read(FixtureBundles.IMAGE, bytes);
  }

  /** One fixture manifest with 1 to 4 random edits (remove, null, number, string, list, object). */
  @FuzzTest(maxDuration = "10s")
  void editedManifest(FuzzedDataProvider data) {
    int which = data.consumeInt(0, FIXTURES.length - 1);
    JsonNode tree = MANIFESTS.get(which).deepCopy();
    int edits = data.consumeInt(1, 4);
    for (int i = 0; i < edits && data.remainingBytes() > 0; i++) tree = edit(tree, data);
    try {
      read(FIXTURES[which], JSON.writeValueAsBytes(tree));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void read(String fixture, byte[] manifest) {
    Path dir = root.resolve(fixture);
    try {
      Files.write(dir.resolve(BundleReader.MANIFEST), manifest);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      BundleReader.read(dir);
    } catch (BundleException e) {
      FuzzChecks.readable(e.getMessage(), "bundle refusal");
    }
  }

  /** Replaces one node (chosen among all nodes, root included) by a fuzzed value or removes it. */
  private static JsonNode edit(JsonNode tree, FuzzedDataProvider data) {
    List<JsonNode[]> slots = new ArrayList<>(); // {parent, child}
    collect(null, tree, slots);
    JsonNode[] slot = slots.get(data.consumeInt(0, slots.size() - 1));
    JsonNode value = value(data);
    if (slot[0] == null) return value == null ? JsonNodeFactory.instance.objectNode() : value;
    if (slot[0] instanceof ObjectNode obj) {
      String key = null;
      for (var it = obj.fields(); it.hasNext(); ) {
        var e = it.next();
        if (e.getValue() == slot[1]) key = e.getKey();
      }
      if (value == null) obj.remove(key);
      else obj.set(key, value);
    } else if (slot[0] instanceof ArrayNode arr) {
      for (int i = 0; i < arr.size(); i++) {
        if (arr.get(i) == slot[1]) {
          if (value == null) arr.remove(i);
          else arr.set(i, value);
          break;
        }
      }
    }
    return tree;
  }

  private static void collect(JsonNode parent, JsonNode node, List<JsonNode[]> out) {
    out.add(new JsonNode[] {parent, node});
    node.elements().forEachRemaining(child -> collect(node, child, out));
  }

  /** null means "remove the field". */
  private static JsonNode value(FuzzedDataProvider data) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    return switch (data.consumeInt(0, 8)) {
      case 0 -> null;
      case 1 -> f.nullNode();
      case 2 -> f.numberNode(data.consumeInt());
      case 3 -> f.numberNode(data.consumeDouble());
      case 4 -> f.textNode(data.consumeString(40));
      case 5 -> f.booleanNode(data.consumeBoolean());
      case 6 -> f.arrayNode();
      case 7 -> f.objectNode();
      default -> {
        ArrayNode a = f.arrayNode();
        for (int n = data.consumeInt(0, 4); n > 0; n--) a.add(data.consumeInt(-2, 40));
        yield a;
      }
    };
  }
}
