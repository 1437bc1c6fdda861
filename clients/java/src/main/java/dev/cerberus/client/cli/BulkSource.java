package dev.cerberus.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cerberus.client.Items;
import dev.cerberus.proto.v1.Item;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The items of a bulk run, read lazily (twice: once to count, once to send) so that a source of
 * millions of items is never held in memory. Image bytes are read only when the item is sent.
 */
interface BulkSource {
  /** One entry: a text, or an image file to read when sent. */
  record Entry(String id, String text, Path image) {
    Item load() {
      return text != null ? Items.text(id, text) : Items.image(id, image);
    }
  }

  /** Where the entries come from, for messages. */
  String describe();

  void forEach(Consumer<Entry> action) throws IOException;

  /** A folder (images, recursively) or a JSONL file. */
  static BulkSource open(Path src) {
    if (Files.isDirectory(src)) {
      return new Folder(src);
    }
    if (Files.isRegularFile(src)) {
      return new Jsonl(src);
    }
    throw new IllegalArgumentException(
        "--bulk " + src + " is neither a folder of images nor a JSONL file");
  }

  /** Every .png/.jpg/.jpeg under a folder; the id is the path relative to the folder. */
  final class Folder implements BulkSource {
    private final Path root;

    Folder(Path root) {
      this.root = root;
    }

    @Override
    public String describe() {
      return root + "/";
    }

    @Override
    public void forEach(Consumer<Entry> action) throws IOException {
      try (Stream<Path> files = Files.walk(root)) {
        files.filter(Files::isRegularFile).filter(Folder::isImage).forEach(p ->
            action.accept(new Entry(root.relativize(p).toString().replace('\\', '/'), null, p)));
      }
    }

    static boolean isImage(Path p) {
      String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
      return name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg");
    }
  }

  /**
   * One JSON object per line: {@code {"id":..., "text":...}} or {@code {"id":..., "image":
   * "path"}}; image paths are relative to the JSONL file's folder. Blank lines are skipped.
   */
  final class Jsonl implements BulkSource {
    private final Path file;

    Jsonl(Path file) {
      this.file = file;
    }

    @Override
    public String describe() {
      return file.toString();
    }

    @Override
    public void forEach(Consumer<Entry> action) throws IOException {
      Path base = file.toAbsolutePath().getParent();
      try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        String line;
        long number = 0;
        while ((line = reader.readLine()) != null) {
          number++;
          if (!line.isBlank()) {
            action.accept(parse(line, number, base));
          }
        }
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
    }

    private Entry parse(String line, long number, Path base) {
      JsonNode node;
      try {
        node = ResultJson.MAPPER.readTree(line);
      } catch (IOException e) {
        throw invalid(number, "not JSON");
      }
      JsonNode id = node.get("id");
      if (id == null || !(id.isTextual() || id.isNumber()) || id.asText().isEmpty()) {
        throw invalid(number, "missing \"id\"");
      }
      JsonNode text = node.get("text");
      JsonNode image = node.get("image");
      if ((text == null) == (image == null)) {
        throw invalid(number, "needs exactly one of \"text\" and \"image\"");
      }
      if (text != null) {
        if (!text.isTextual()) {
          throw invalid(number, "\"text\" must be a string");
        }
        return new Entry(id.asText(), text.asText(), null);
      }
      if (!image.isTextual()) {
        throw invalid(number, "\"image\" must be a path string");
      }
      return new Entry(id.asText(), null, base.resolve(image.asText()));
    }

    private IllegalArgumentException invalid(long number, String what) {
      return new IllegalArgumentException(file + " line " + number + ": " + what
          + "; each line must be {\"id\":...,\"text\":\"...\"} or {\"id\":...,\"image\":\"path\"}");
    }
  }
}
