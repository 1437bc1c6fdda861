package dev.cerberus.model.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cerberus.model.bundle.Bundle;
import dev.cerberus.model.bundle.BundleReader;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.InputRejectedException;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.model.input.PreparedInput;
import dev.cerberus.model.input.TextPreprocessor;
import dev.cerberus.model.testing.FixtureBundles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Texts from the fuzzer through the text fixture's real HuggingFace tokenizer (native code)
 * with a fuzzed byte limit: a text is refused exactly when it is blank or its UTF-8 size is
 * over the limit, and otherwise becomes 1 to max_tokens token ids, every id inside the
 * vocabulary. A crash of the native tokenizer ends the fuzzing JVM and is reported too.
 */
class TokenizerFuzzTest {

  private static TextPreprocessor text;
  private static int maxTokens;
  private static int vocabulary;

  @BeforeAll
  static void open() throws Exception {
    Path dir = FixtureBundles.copyTo(FixtureBundles.TEXT, Files.createDirectories(Path.of("target", "fuzz-text")));
    Bundle b = BundleReader.read(dir);
    maxTokens = b.manifest().input().text().maxTokens();
    text = TextPreprocessor.open(b.manifest().input().text(), dir);
    String json = Files.readString(dir.resolve(b.manifest().input().text().tokenizer()));
    vocabulary = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json)
        .path("model").path("vocab").size();
  }

  @AfterAll
  static void close() {
    if (text != null) text.close();
  }

  @FuzzTest(maxDuration = "10s")
  void tokenise(FuzzedDataProvider data) {
    int limit = data.consumeInt(1, 512);
    String s = data.consumeRemainingAsString();
    InputLimits limits = new InputLimits(1 << 20, 1_000_000L, limit, 1 << 10);
    int bytes = s.getBytes(StandardCharsets.UTF_8).length;
    try {
      long[] ids = ((PreparedInput.Tokens) text.prepare(new ModelInput.Text(s), limits)).ids();
      if (s.isBlank() || bytes > limit) {
        throw new AssertionError("accepted a " + bytes + "-byte text over the " + limit + "-byte limit or blank");
      }
      if (ids.length < 1 || ids.length > maxTokens) {
        throw new AssertionError(ids.length + " token ids, allowed 1.." + maxTokens);
      }
      for (long id : ids) {
        if (id < 0 || (vocabulary > 0 && id >= vocabulary)) {
          throw new AssertionError("token id " + id + " outside the vocabulary of " + vocabulary);
        }
      }
    } catch (InputRejectedException e) {
      FuzzChecks.readable(e.getMessage(), "text refusal");
      if (!s.isBlank() && bytes <= limit && wellFormed(s)) {
        throw new AssertionError("refused a " + bytes + "-byte text under the " + limit
            + "-byte limit: " + e.getMessage());
      }
    }
  }

  /** No lone surrogates: what a protobuf string field can hold. */
  private static boolean wellFormed(String s) {
    return StandardCharsets.UTF_8.newEncoder().canEncode(s);
  }
}
