package dev.cerberus.model.input;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.cerberus.model.bundle.BundleException;
import dev.cerberus.model.bundle.BundleManifest.TextSpec;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Tokenises one text with the bundle's HuggingFace tokenizer: special tokens added, truncated
 * to {@code max_tokens}, never padded (the graph pads a whole batch to a bucket). Padding is
 * switched off explicitly because DJL's builder otherwise overrides the json's setting.
 */
public final class TextPreprocessor implements InputPreprocessor {

  private final HuggingFaceTokenizer tokenizer;
  private final int maxTokens;

  private TextPreprocessor(HuggingFaceTokenizer tokenizer, int maxTokens) {
    this.tokenizer = tokenizer;
    this.maxTokens = maxTokens;
  }

  public static TextPreprocessor open(TextSpec spec, Path bundleDir) throws BundleException {
    Path file = bundleDir.resolve(spec.tokenizer()).normalize();
    try {
      HuggingFaceTokenizer t =
          HuggingFaceTokenizer.builder()
              .optTokenizerPath(file)
              .optAddSpecialTokens(true)
              .optPadding(false)
              .optTruncation(true)
              .optMaxLength(spec.maxTokens())
              .build();
      return new TextPreprocessor(t, spec.maxTokens());
    } catch (IOException | RuntimeException e) {
      throw new BundleException(
          file + ": input.text.tokenizer: cannot load tokenizer: " + e.getMessage(), e);
    }
  }

  @Override
  public PreparedInput prepare(ModelInput input, InputLimits limits)
      throws InputRejectedException {
    if (!(input instanceof ModelInput.Text t)) {
      throw InputRejectedException.invalid(
          "this model takes text, got " + InputPreprocessor.kindOf(input));
    }
    String text = t.text();
    if (text == null || text.isBlank()) {
      throw InputRejectedException.invalid("text is empty; send at least one visible character");
    }
    long bytes = utf8Length(text);
    if (bytes > limits.maxTextBytes()) {
      throw InputRejectedException.invalid(
          "text is " + bytes + " UTF-8 bytes, the limit is " + limits.maxTextBytes()
              + " (cerberus.limits.max-text-bytes)");
    }
    return new PreparedInput.Tokens(tokenIds(text));
  }

  /** Token ids with [CLS]/[SEP], at most max_tokens; exposed for tests and the trainer. */
  public long[] tokenIds(String text) {
    Encoding e = tokenizer.encode(text);
    long[] ids = e.getIds();
    // truncation is the tokenizer's job; this guards the batch buffer against a json that
    // disables it
    return ids.length <= maxTokens ? ids : java.util.Arrays.copyOf(ids, maxTokens);
  }

  private static long utf8Length(String s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (Character.isHighSurrogate(c)) {
        n += 4;
        i++;
      } else n += 3;
    }
    return n;
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
