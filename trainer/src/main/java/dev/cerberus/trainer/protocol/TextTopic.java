package dev.cerberus.trainer.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cerberus.trainer.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One base topic of the text protocol: a folder written by tools/data/export_text_benchmark.py
 * (&lt;x&gt;-train|val|test.jsonl per head, the outlier and OOD text files by name) and its
 * {@code manifest.json}: {@code {"base": "noun.act", "x": ["noun.event", ...], "sources":
 * {"topic_seed": N}}}. Lexicographer names ({@code noun.act}) become labels without the
 * {@code noun.} prefix, as the exporter writes them.
 *
 * @param name the folder's name (tables and the work folder use it)
 * @param seed the topic seed; null for an explicit --base/--x export
 * @param base the base label (every head's negative class)
 * @param heads the four X labels, one binary head each
 */
public record TextTopic(String name, Path folder, Integer seed, String base, List<String> heads) {

  /** Fewest heads: "per-head and overall" needs at least two tasks. */
  public static final int MIN_HEADS = 2;

  public TextTopic {
    heads = List.copyOf(heads);
  }

  /** Reads FOLDER/manifest.json; a missing or malformed file is a one-line error naming it. */
  public static TextTopic read(Path folder) {
    Path f = folder.resolve("manifest.json");
    if (!Files.isReadable(f)) {
      throw new ConfigException(f + ": missing (export the topic with "
          + "tools/data/export_text_benchmark.py --topic-seed N --manpages 1000 --out " + folder
          + ")");
    }
    JsonNode j;
    try {
      j = new ObjectMapper().readTree(f.toFile());
    } catch (IOException e) {
      throw new ConfigException(f + ": not JSON: " + e.getMessage());
    }
    if (!j.path("base").isTextual()) {
      throw new ConfigException(f + ": base: a lexicographer file name is required");
    }
    List<String> heads = new ArrayList<>();
    j.path("x").forEach(n -> heads.add(label(n.asText())));
    if (heads.size() < MIN_HEADS) {
      throw new ConfigException(f + ": x: the protocol needs at least " + MIN_HEADS
          + " \"base vs X\" heads, got " + heads.size());
    }
    JsonNode seed = j.path("sources").path("topic_seed");
    return new TextTopic(folder.getFileName().toString(), folder.toAbsolutePath().normalize(),
        seed.isInt() ? seed.asInt() : null, label(j.path("base").asText()), heads);
  }

  /** {@code noun.act} -> {@code act}: the exporter's label and file-name stem. */
  static String label(String lexicographerFile) {
    int dot = lexicographerFile.indexOf('.');
    return dot < 0 ? lexicographerFile : lexicographerFile.substring(dot + 1);
  }
}
