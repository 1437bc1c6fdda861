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
 * One class split of the protocol: a folder written by tools/data/export_fashion_unknown.py
 * (train/, val/, test/ by known class, the outlier and OOD sets by name) and its
 * {@code split.json}: {@code {"split_seed": N, "known": [...], "near_ood": [...]}}.
 *
 * @param name the folder's name (tables and the work folder use it)
 * @param seed the split seed; null for an explicit class list
 */
public record Split(String name, Path folder, Integer seed, List<String> known,
    List<String> nearOod) {

  /** Fewest known classes: a multiclass decision head needs two. */
  public static final int MIN_KNOWN = 2;

  public Split {
    known = List.copyOf(known);
    nearOod = List.copyOf(nearOod);
  }

  /** Reads FOLDER/split.json; a missing or malformed file is a one-line error naming it. */
  public static Split read(Path folder) {
    Path f = folder.resolve("split.json");
    if (!Files.isReadable(f)) {
      throw new ConfigException(f + ": missing (export the split with "
          + "tools/data/export_fashion_unknown.py --split-seed N --out " + folder + ")");
    }
    JsonNode j;
    try {
      j = new ObjectMapper().readTree(f.toFile());
    } catch (IOException e) {
      throw new ConfigException(f + ": not JSON: " + e.getMessage());
    }
    List<String> known = strings(j.path("known"));
    if (known.size() < MIN_KNOWN) {
      throw new ConfigException(f + ": known: a multiclass decision head needs at least "
          + MIN_KNOWN + " known classes, got " + known.size());
    }
    Integer seed = j.path("split_seed").isInt() ? j.path("split_seed").asInt() : null;
    return new Split(folder.getFileName().toString(), folder.toAbsolutePath().normalize(), seed,
        known, strings(j.path("near_ood")));
  }

  private static List<String> strings(JsonNode a) {
    List<String> out = new ArrayList<>();
    a.forEach(n -> out.add(n.asText()));
    return out;
  }
}
