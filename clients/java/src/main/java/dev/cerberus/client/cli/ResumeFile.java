package dev.cerberus.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/**
 * The ids already answered in a bulk results file. A run killed mid-write can leave an
 * incomplete last line (no trailing newline): it is cut off the file, so its item is classified
 * again and the appended results start on a clean line.
 */
final class ResumeFile {
  /** @param droppedBytes bytes of an incomplete last line removed from the file (0 if none) */
  record State(Set<String> doneIds, long droppedBytes) {}

  private ResumeFile() {}

  static State load(Path out) throws IOException {
    Set<String> done = new HashSet<>();
    if (!Files.exists(out)) {
      return new State(done, 0);
    }
    long offset = 0;
    long endOfLastLine = 0;
    long lineNumber = 0;
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(out), 1 << 16)) {
      int b;
      while ((b = in.read()) >= 0) {
        offset++;
        if (b != '\n') {
          line.write(b);
          continue;
        }
        lineNumber++;
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        endOfLastLine = offset;
        if (!text.isBlank()) {
          done.add(idOf(text, out, lineNumber));
        }
      }
    }
    long dropped = offset - endOfLastLine;
    if (dropped > 0) {
      try (FileChannel channel = FileChannel.open(out, StandardOpenOption.WRITE)) {
        channel.truncate(endOfLastLine);
      }
    }
    return new State(done, dropped);
  }

  private static String idOf(String text, Path out, long lineNumber) throws IOException {
    JsonNode node;
    try {
      node = ResultJson.MAPPER.readTree(text);
    } catch (IOException e) {
      node = null;
    }
    if (node == null || !node.hasNonNull("id")) {
      // A complete line is never half-written by us; refuse to guess what else it is.
      throw new IOException("--out " + out + " line " + lineNumber
          + " is not a result line with an \"id\"; fix or remove it, or choose another --out");
    }
    return node.get("id").asText();
  }
}
