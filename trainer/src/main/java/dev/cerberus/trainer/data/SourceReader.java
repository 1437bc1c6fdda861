package dev.cerberus.trainer.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cerberus.trainer.config.TrainerConfig.SourceSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Reads the configured sources into samples, checking every label against the heads before any
 * feature is extracted. Listing order is sorted so the same files give the same samples.
 */
public final class SourceReader {

  private final Path base;
  private final Map<String, List<String>> labelsByTask;
  private final boolean failOnEmptyLine;
  private final long seed;
  private final ObjectMapper json = new ObjectMapper();
  private int skippedEmptyLines;

  /**
   * @param labelsByTask the labels each task allows (from the heads)
   */
  public SourceReader(Path base, Map<String, List<String>> labelsByTask, boolean failOnEmptyLine,
      long seed) {
    this.base = base;
    this.labelsByTask = Map.copyOf(labelsByTask);
    this.failOnEmptyLine = failOnEmptyLine;
    this.seed = seed;
  }

  public int skippedEmptyLines() {
    return skippedEmptyLines;
  }

  /** Labelled sources: image folders ROOT/LABEL/* and JSONL manifests. */
  public List<Sample> readLabelled(List<SourceSpec> sources) {
    List<Sample> out = new ArrayList<>();
    for (SourceSpec s : sources) {
      List<Sample> part;
      if (s.images() != null) {
        part = labelledFolder(base.resolve(s.images()).normalize(), s.task());
      } else {
        part = jsonl(base.resolve(s.jsonl()).normalize());
      }
      out.addAll(limit(part, s.limit()));
    }
    return out;
  }

  /** Unlabelled sources (outliers, OOD sets): any images below a folder, text lines, JSONL items. */
  public List<Item> readUnlabelled(SourceSpec s) {
    List<Item> items = new ArrayList<>();
    if (s.images() != null) {
      Path root = base.resolve(s.images()).normalize();
      for (Path p : images(root, true)) {
        items.add(new Item.ImageFile(p, p.toString()));
      }
    } else if (s.text() != null) {
      Path file = base.resolve(s.text()).normalize();
      List<String> lines = lines(file);
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i).strip();
        if (line.isEmpty()) {
          emptyLine(file, i + 1);
          continue;
        }
        items.add(new Item.Text(line, file + ":" + (i + 1)));
      }
    } else {
      jsonl(base.resolve(s.jsonl()).normalize()).forEach(x -> items.add(x.item()));
    }
    String what = s.name() != null ? s.name() : (s.images() != null ? s.images() : s.text());
    if (items.isEmpty()) {
      throw new DataException(what + ": the set is empty (no .png/.jpg images or non-empty lines)");
    }
    return limit(items, s.limit());
  }

  private <T> List<T> limit(List<T> items, int limit) {
    if (limit <= 0 || items.size() <= limit) {
      return items;
    }
    List<T> copy = new ArrayList<>(items);
    Collections.shuffle(copy, new Random(seed ^ items.size()));
    return List.copyOf(copy.subList(0, limit));
  }

  private List<Sample> labelledFolder(Path root, String task) {
    List<String> allowed = labelsByTask.get(task);
    List<Sample> out = new ArrayList<>();
    List<Path> dirs;
    try (Stream<Path> s = Files.list(root)) {
      dirs = s.filter(Files::isDirectory).sorted().toList();
    } catch (IOException e) {
      throw new DataException(root + ": cannot list: " + e.getMessage());
    }
    if (dirs.isEmpty()) {
      throw new DataException(root + ": no label folders (expected ROOT/LABEL/*.png|jpg)");
    }
    for (Path dir : dirs) {
      String label = dir.getFileName().toString();
      if (!allowed.contains(label)) {
        throw new DataException(dir + ": label '" + label + "' is not a label of task '" + task
            + "'; allowed " + allowed);
      }
      for (Path p : images(dir, false)) {
        out.add(new Sample(new Item.ImageFile(p, p.toString()), Map.of(task, label)));
      }
    }
    return out;
  }

  private static boolean isImage(Path p) {
    String n = p.getFileName().toString().toLowerCase();
    return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
  }

  private static List<Path> images(Path root, boolean recursive) {
    try (Stream<Path> s = recursive ? Files.walk(root) : Files.list(root)) {
      return s.filter(Files::isRegularFile).filter(SourceReader::isImage).sorted().toList();
    } catch (IOException e) {
      throw new DataException(root + ": cannot list: " + e.getMessage());
    }
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new DataException(file + ": cannot read as UTF-8: " + e.getMessage());
    }
  }

  private void emptyLine(Path file, int line) {
    if (failOnEmptyLine) {
      throw new DataException(file + ":" + line
          + ": empty line (data.on_empty_line is fail; set it to skip to ignore blank lines)");
    }
    skippedEmptyLines++;
  }

  private List<Sample> jsonl(Path file) {
    List<String> lines = lines(file);
    List<Sample> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String at = file + ":" + (i + 1);
      String line = lines.get(i).strip();
      if (line.isEmpty()) {
        emptyLine(file, i + 1);
        continue;
      }
      JsonNode node;
      try {
        node = json.readTree(line);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new DataException(at + ": not valid JSON: " + e.getOriginalMessage());
      }
      if (node == null || !node.isObject()) {
        throw new DataException(at + ": each line must be a JSON object");
      }
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        if (!List.of("image", "text", "labels", "id").contains(k)) {
          throw new DataException(at + ": unknown key '" + k + "'; allowed image, text, labels, id");
        }
      }
      boolean hasImage = node.hasNonNull("image");
      boolean hasText = node.hasNonNull("text");
      if (hasImage == hasText) {
        throw new DataException(at + ": exactly one of 'image' (a path) or 'text' is required");
      }
      Item item;
      if (hasImage) {
        Path p = file.getParent().resolve(node.get("image").asText()).normalize();
        if (!Files.isReadable(p)) {
          throw new DataException(at + ": image not readable: " + p);
        }
        item = new Item.ImageFile(p, at);
      } else {
        String text = node.get("text").asText();
        if (text.isBlank()) {
          throw new DataException(at + ": 'text' is empty");
        }
        item = new Item.Text(text, at);
      }
      Map<String, String> labels = new HashMap<>();
      JsonNode ln = node.get("labels");
      if (ln != null && !ln.isNull()) {
        if (!ln.isObject()) {
          throw new DataException(at + ": 'labels' must be an object {task: label}");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = ln.fields(); it.hasNext(); ) {
          var e = it.next();
          List<String> allowed = labelsByTask.get(e.getKey());
          if (allowed == null) {
            throw new DataException(at + ": task '" + e.getKey() + "' is not a task of any head; "
                + "tasks are " + labelsByTask.keySet());
          }
          if (e.getValue().isNull()) {
            continue; // explicit null = no label, same as absent
          }
          String label = e.getValue().asText();
          if (e.getValue().isBoolean() && allowed.size() == 2 && !allowed.contains(label)) {
            // a "base vs X" task labelled true/false: true is X (labels[1]), false the base
            label = allowed.get(e.getValue().booleanValue() ? 1 : 0);
          }
          if (!allowed.contains(label)) {
            throw new DataException(at + ": label '" + label + "' is not a label of task '"
                + e.getKey() + "'; allowed " + allowed);
          }
          labels.put(e.getKey(), label);
        }
      }
      out.add(new Sample(item, labels));
    }
    return out;
  }
}
