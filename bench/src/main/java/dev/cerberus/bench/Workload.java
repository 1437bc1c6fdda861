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
   * {@code text:mixed} (sentences of 3..120 words, most short), {@code text:long} (all ~120 words).
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
        for (int i = 0; i < 256; i++) {
          int words = "long".equals(arg) ? 110 + rnd.nextInt(10) : mixedLength(rnd);
          StringBuilder sb = new StringBuilder();
          for (int w = 0; w < words; w++) {
            if (w > 0) sb.append(' ');
            sb.append(WORDS[rnd.nextInt(WORDS.length)]);
          }
          items.add(Item.newBuilder().setText(sb.append('.').toString()).build());
        }
      }
      default -> throw new IllegalArgumentException("workload '" + spec + "': use images:DIR, tensor:N or text:mixed");
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
