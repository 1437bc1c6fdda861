package dev.cerberus.bench;

import com.google.protobuf.ByteString;
import dev.cerberus.proto.v1.Item;
import dev.cerberus.proto.v1.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/** The items a load run sends: encoded images, texts of mixed lengths, or float tensors. */
final class Workload {

  private Workload() {}

  /**
   * {@code images:DIR} (every .png/.jpg under DIR), {@code tensor:N} (N random floats),
   * {@code text:mixed} (sentences of 3..120 words, most short), {@code text:long} (all ~120 words),
   * {@code text:mid} (generated sentences of 12-36 words, about 16-48 tokens), {@code text:glosses}
   * (WordNet noun glosses of 12-36 words from Debian's wordnet-base, real English of the same
   * lengths).
   */
  static List<Item> items(String spec) throws IOException {
    String kind = spec.contains(":") ? spec.substring(0, spec.indexOf(':')) : spec;
    String arg = spec.contains(":") ? spec.substring(spec.indexOf(':') + 1) : "";
    List<Item> items = new ArrayList<>();
    Random rnd = new Random(42);
    switch (kind) {
      case "images" -> {
        try (Stream<Path> s = Files.walk(Root.resolve(Path.of(arg)))) {
          for (Path p : s.filter(p -> p.toString().matches("(?i).*\\.(png|jpe?g)$")).sorted().toList()) {
            items.add(Item.newBuilder().setImage(ByteString.copyFrom(Files.readAllBytes(p))).build());
          }
        }
        if (items.isEmpty()) throw new IOException("no .png/.jpg files under " + arg);
      }
      case "tensor" -> {
        int n = Integer.parseInt(arg);
        for (int i = 0; i < 64; i++) {
          Tensor.Builder t = Tensor.newBuilder().addShape(n);
          for (int k = 0; k < n; k++) t.addValues((float) rnd.nextGaussian());
          items.add(Item.newBuilder().setTensor(t).build());
        }
      }
      case "text" -> {
        if ("glosses".equals(arg)) return glosses(256, 12, 36);
        for (int i = 0; i < 256; i++) {
          int words = switch (arg) {
            case "long" -> 110 + rnd.nextInt(10);
            case "mid" -> 12 + rnd.nextInt(25);
            default -> mixedLength(rnd);
          };
          StringBuilder sb = new StringBuilder();
          for (int w = 0; w < words; w++) {
            if (w > 0) sb.append(' ');
            sb.append(WORDS[rnd.nextInt(WORDS.length)]);
          }
          items.add(Item.newBuilder().setText(sb.append('.').toString()).build());
        }
      }
      default -> throw new IllegalArgumentException("workload '" + spec + "': use images:DIR, tensor:N or text:mixed|long|mid|glosses");
    }
    return items;
  }

  static final Path WORDNET_NOUNS = Path.of("/usr/share/wordnet/data.noun");

  /**
   * {@code n} glosses of {@code minWords..maxWords} words, spread evenly over the file (so not
   * all from one topic), deterministic. The gloss is the text after " | " on a synset line.
   */
  static List<Item> glosses(int n, int minWords, int maxWords) throws IOException {
    if (!Files.exists(WORDNET_NOUNS)) {
      throw new IOException(WORDNET_NOUNS + " is missing: install wordnet-base, or use text:mid");
    }
    List<String> all = new ArrayList<>();
    for (String line : Files.readAllLines(WORDNET_NOUNS)) {
      int bar = line.indexOf(" | ");
      if (line.startsWith(" ") || bar < 0) continue; // licence header
      String gloss = line.substring(bar + 3).trim();
      int words = gloss.split("\\s+").length;
      if (words >= minWords && words <= maxWords) all.add(gloss);
    }
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < n && i < all.size(); i++) {
      items.add(Item.newBuilder().setText(all.get((int) ((long) i * all.size() / n))).build());
    }
    return items;
  }

  /** 60% 3-12 words, 25% 13-30, 10% 31-60, 5% 61-120 (a typical mix of short queries and documents). */
  static int mixedLength(Random rnd) {
    double u = rnd.nextDouble();
    if (u < 0.60) return 3 + rnd.nextInt(10);
    if (u < 0.85) return 13 + rnd.nextInt(18);
    if (u < 0.95) return 31 + rnd.nextInt(30);
    return 61 + rnd.nextInt(60);
  }

  private static final String[] WORDS = (
      "the a of to and in is was for on with as by at from that this it be are or an which not have "
      + "model server head backbone batch stream request latency throughput memory queue thread "
      + "image text token sentence label unknown class feature network layer weight bias train "
      + "river mountain city window garden kitchen music theatre history science market engine "
      + "quickly slowly bright quiet ancient modern simple complex early late open closed").split(" ");
}
