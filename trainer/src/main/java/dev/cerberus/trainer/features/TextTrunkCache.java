package dev.cerberus.trainer.features;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import dev.cerberus.model.bundle.BundleException;
import dev.cerberus.model.bundle.BundleManifest.TextSpec;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.InputRejectedException;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.model.input.PreparedInput;
import dev.cerberus.model.input.TextPreprocessor;
import dev.cerberus.trainer.TrainerException;
import dev.cerberus.trainer.config.TrainerConfig.CachePrecision;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs a text split backbone's trunk once over every set and keeps its token states
 * ({@link TokenStates}) for all heads' tops: tokenised by the server's own
 * {@link TextPreprocessor}, each item at its own bucket length, the trunk run per bucket in
 * batches of one T (no padding beyond the bucket is computed).
 *
 * <p>Size: an item of bucket T takes {@code T * F * 2} bytes in fp16 (49,152 bytes at T=64,
 * F=384; 98,304 in fp32). All sets are tokenised first and their exact total is checked
 * against {@code backbone.cache_max_bytes} before the trunk runs, so an over-large run stops
 * at once with a clear error instead of running out of memory hours later.
 */
public final class TextTrunkCache implements AutoCloseable {

  /** What {@link #extract} cached: the states per set, their total bytes, the trunk time. */
  public record Result(Map<String, TokenStates> sets, long bytes, double seconds) {}

  private final Model trunk;
  private final Predictor<NDList, NDList> predictor;
  private final TextPreprocessor tokenizer;
  private final int[] buckets;
  private final int batchSize;
  private final Path trunkFile;
  private int featureSize = -1; // probed once, on first use

  private TextTrunkCache(Model trunk, TextPreprocessor tokenizer, int[] buckets, int batchSize,
      Path trunkFile) {
    this.trunk = trunk;
    this.predictor = trunk.newPredictor(new NoopTranslator());
    this.tokenizer = tokenizer;
    this.buckets = buckets;
    this.batchSize = batchSize;
    this.trunkFile = trunkFile;
  }

  /**
   * @param text the bundle's text spec (tokenizer resolved against {@code tokenizerDir},
   *     max_tokens, buckets: the same as the server's)
   */
  public static TextTrunkCache open(Path trunkFile, Path tokenizerDir, TextSpec text,
      String device, int batchSize) throws IOException {
    TextPreprocessor tok;
    try {
      tok = TextPreprocessor.open(text, tokenizerDir);
    } catch (BundleException e) {
      throw new IOException(e.getMessage(), e);
    }
    Model m = Model.newInstance(trunkFile.getFileName().toString(),
        "gpu".equals(device) ? Device.gpu() : Device.cpu(), "PyTorch");
    try {
      m.load(trunkFile.toAbsolutePath().getParent(), trunkFile.getFileName().toString());
    } catch (MalformedModelException | IOException | RuntimeException e) {
      m.close();
      tok.close();
      throw new IOException(trunkFile + ": backbone.split.trunk: cannot load as TorchScript: "
          + firstLine(e.getMessage()), e);
    }
    return new TextTrunkCache(m, tok, text.buckets().clone(), batchSize, trunkFile);
  }

  /**
   * Tokenises every set, checks the total against {@code maxBytes}, then runs the trunk.
   *
   * @param texts set name -> texts, in the order the caller's rows use
   * @throws TrainerException when the states would exceed {@code maxBytes}, or a text is
   *     rejected the way the server would reject it (blank, too long in bytes)
   */
  public Result extract(Map<String, List<String>> texts, long maxBytes, CachePrecision precision,
      PrintStream log) {
    Map<String, long[][]> ids = new LinkedHashMap<>();
    for (var e : texts.entrySet()) ids.put(e.getKey(), tokenise(e.getKey(), e.getValue()));
    int f = featureSize();
    long need = 0;
    long items = 0;
    for (long[][] set : ids.values()) {
      for (long[] item : set) need += TokenStates.itemBytes(bucketFor(item.length), f, precision);
      items += set.length;
    }
    log.printf("text trunk cache: %d items, %,d bytes (%s, F=%d, limit backbone.cache_max_bytes "
        + "%,d)%n", items, need, precision.name().toLowerCase(), f, maxBytes);
    long heap = Runtime.getRuntime().maxMemory();
    if (need <= maxBytes && need > heap / 2) {
      // the states live on the Java heap: stop now rather than with an OutOfMemoryError later
      throw new TrainerException("backbone.cache_max_bytes: the text trunk cache needs "
          + String.format("%,d", need) + " bytes but the JVM heap is only "
          + String.format("%,d", heap) + " bytes (it must hold the cache twice over); raise "
          + "-Xmx, use fp16, or lower input.text.max_tokens");
    }
    if (need > maxBytes) {
      throw new TrainerException("backbone.cache_max_bytes: the text trunk cache needs "
          + String.format("%,d", need) + " bytes for " + items + " items (T*F*"
          + precision.bytes() + " bytes per item at its bucket length T, F=" + f + ") but the "
          + "limit is " + String.format("%,d", maxBytes) + "; raise it (and -Xmx), use fp16, "
          + "lower input.text.max_tokens, or use fewer items");
    }
    long t0 = System.nanoTime();
    Map<String, TokenStates> out = new LinkedHashMap<>();
    for (var e : ids.entrySet()) out.put(e.getKey(), run(e.getValue(), f, precision));
    return new Result(out, need, (System.nanoTime() - t0) / 1e9);
  }

  private long[][] tokenise(String set, List<String> texts) {
    long[][] ids = new long[texts.size()][];
    for (int i = 0; i < ids.length; i++) {
      try {
        PreparedInput p = tokenizer.prepare(new ModelInput.Text(texts.get(i)), InputLimits.defaults());
        ids[i] = ((PreparedInput.Tokens) p).ids();
      } catch (InputRejectedException e) {
        throw new TrainerException(set + "[" + i + "]: text rejected: " + e.getMessage());
      }
    }
    return ids;
  }

  /** The smallest bucket >= length (the server's rule, BatchTensors.bucketFor). */
  int bucketFor(int length) {
    for (int b : buckets) if (b >= length) return b;
    throw new IllegalArgumentException(length + " tokens exceed every bucket");
  }

  private TokenStates run(long[][] ids, int f, CachePrecision precision) {
    TokenStates.Builder b = new TokenStates.Builder(ids.length, f, precision);
    Map<Integer, List<Integer>> byBucket = new TreeMap<>();
    for (int i = 0; i < ids.length; i++) {
      byBucket.computeIfAbsent(bucketFor(ids[i].length), k -> new ArrayList<>()).add(i);
    }
    for (var e : byBucket.entrySet()) {
      List<Integer> rows = e.getValue();
      for (int from = 0; from < rows.size(); from += batchSize) {
        int[] batch = rows.subList(from, Math.min(rows.size(), from + batchSize)).stream()
            .mapToInt(Integer::intValue).toArray();
        try (NDManager m = trunk.getNDManager().newSubManager()) {
          int[] lens = new int[batch.length];
          for (int i = 0; i < batch.length; i++) lens[i] = ids[batch[i]].length;
          b.put(forward(m, ids, batch, e.getKey()), batch, lens);
        }
      }
    }
    return b.build();
  }

  private NDArray forward(NDManager m, long[][] ids, int[] rows, int t) {
    long[] tok = new long[rows.length * t];
    long[] mask = new long[rows.length * t];
    for (int i = 0; i < rows.length; i++) {
      long[] item = ids[rows[i]];
      System.arraycopy(item, 0, tok, i * t, item.length);
      java.util.Arrays.fill(mask, i * t, i * t + item.length, 1L);
    }
    Shape s = new Shape(rows.length, t);
    NDList in = new NDList(m.create(tok, s), m.create(mask, s), m.create(new long[rows.length * t], s));
    try {
      NDArray h = predictor.predict(in).head();
      if (h.getShape().dimension() != 3 || h.getShape().get(1) != t) {
        throw new TrainerException(trunkFile + ": backbone.split.trunk: expected token states "
            + "[B,T,F] for input [B,T]=" + s + ", got " + h.getShape());
      }
      return h;
    } catch (TranslateException e) {
      throw new TrainerException(trunkFile + ": backbone.split.trunk: forward failed: "
          + firstLine(e.getMessage()), e);
    }
  }

  /** F: the last dimension of the trunk's output, from one forward of "[CLS] [SEP]". */
  public int featureSize() {
    if (featureSize < 0) {
      long[][] probe = {tokenizer.tokenIds("a")};
      try (NDManager m = trunk.getNDManager().newSubManager()) {
        featureSize = (int) forward(m, probe, new int[] {0}, bucketFor(probe[0].length))
            .getShape().get(2);
      }
    }
    return featureSize;
  }

  static String firstLine(String s) {
    if (s == null) return "";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  @Override
  public void close() {
    predictor.close();
    trunk.close();
    tokenizer.close();
  }
}
