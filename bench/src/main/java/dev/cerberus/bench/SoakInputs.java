package dev.cerberus.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import dev.cerberus.proto.oip.InferTensorContents;
import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelInferRequest.InferInputTensor;
import dev.cerberus.proto.v1.Item;
import dev.cerberus.proto.v1.Tensor;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Good and bad inputs for the soak, made for the served model's input kind (read from its
 * bundle.json): a good item is answered with a prediction, a bad one with a per-item
 * INVALID_ARGUMENT (the wrong kind of input, or bytes that are not an image).
 */
final class SoakInputs {

  enum Kind { IMAGE, TEXT, TENSOR }

  final Kind kind;
  private final long[] tensorShape;
  private final List<Item> good = new ArrayList<>();
  private final List<Item> bad = new ArrayList<>();

  private SoakInputs(Kind kind, long[] tensorShape) {
    this.kind = kind;
    this.tensorShape = tensorShape;
  }

  /** Inputs for the bundle in {@code versionDir} (its bundle.json says the input kind). */
  static SoakInputs forBundle(Path versionDir) throws IOException {
    JsonNode input = Measure.JSON.readTree(Files.readString(versionDir.resolve("bundle.json"))).path("input");
    Kind kind = Kind.valueOf(input.path("kind").asText("tensor").toUpperCase(java.util.Locale.ROOT));
    long[] shape = new long[0];
    if (kind == Kind.TENSOR) {
      JsonNode s = input.path("tensor").path("shape");
      shape = new long[s.size()];
      for (int i = 0; i < shape.length; i++) shape[i] = s.get(i).asLong();
    }
    SoakInputs in = new SoakInputs(kind, shape);
    Random rnd = new Random(15);
    for (int i = 0; i < 32; i++) in.good.add(in.goodItem(rnd, input));
    in.bad.add(Item.newBuilder().setText("a text for a model that takes no text").build());
    if (kind != Kind.TENSOR) in.bad.add(Item.newBuilder().setTensor(Tensor.newBuilder().addShape(2).addValues(1).addValues(2)).build());
    if (kind == Kind.TEXT) in.bad.set(0, Item.newBuilder().setText("   ").build());
    in.bad.add(Item.newBuilder().setImage(ByteString.copyFromUtf8("these bytes are not an image")).build());
    if (kind == Kind.IMAGE) {
      byte[] png = png(rnd, 24, 24);
      in.bad.add(Item.newBuilder().setImage(ByteString.copyFrom(Arrays.copyOf(png, png.length / 2))).build());
    }
    return in;
  }

  private Item goodItem(Random rnd, JsonNode input) throws IOException {
    return switch (kind) {
      case TENSOR -> {
        Tensor.Builder t = Tensor.newBuilder();
        long n = 1;
        for (long d : tensorShape) {
          t.addShape(d);
          n *= d;
        }
        for (long k = 0; k < n; k++) t.addValues((float) rnd.nextGaussian());
        yield Item.newBuilder().setTensor(t).build();
      }
      case IMAGE -> {
        int w = input.path("image").path("width").asInt(32);
        int h = input.path("image").path("height").asInt(32);
        yield Item.newBuilder().setImage(ByteString.copyFrom(png(rnd, w, h))).build();
      }
      case TEXT -> {
        String[] words = "the model reads a short sentence about rivers music markets and light".split(" ");
        StringBuilder s = new StringBuilder();
        for (int k = 3 + rnd.nextInt(12); k > 0; k--) s.append(words[rnd.nextInt(words.length)]).append(' ');
        yield Item.newBuilder().setText(s.toString().trim()).build();
      }
    };
  }

  private static byte[] png(Random rnd, int w, int h) throws IOException {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(new Color(rnd.nextInt(0xffffff)));
    g.fillRect(0, 0, w, h);
    g.setColor(new Color(rnd.nextInt(0xffffff)));
    g.fillOval(rnd.nextInt(w / 2 + 1), rnd.nextInt(h / 2 + 1), w / 2 + 1, h / 2 + 1);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  Item good(Random rnd, String id) {
    return good.get(rnd.nextInt(good.size())).toBuilder().setId(id).build();
  }

  Item bad(Random rnd, String id) {
    return bad.get(rnd.nextInt(bad.size())).toBuilder().setId(id).build();
  }

  /** A good OIP request of {@code n} items: FP32 [n, shape] for tensors, BYTES [n] otherwise. */
  ModelInferRequest oip(String model, Random rnd, int n) {
    InferInputTensor.Builder t = InferInputTensor.newBuilder().setName("input").addShape(n);
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    for (int i = 0; i < n; i++) {
      Item it = good(rnd, "");
      switch (kind) {
        case TENSOR -> c.addAllFp32Contents(it.getTensor().getValuesList());
        case IMAGE -> c.addBytesContents(it.getImage());
        case TEXT -> c.addBytesContents(ByteString.copyFromUtf8(it.getText()));
      }
    }
    if (kind == Kind.TENSOR) {
      t.setDatatype("FP32");
      for (long d : tensorShape) t.addShape(d);
    } else {
      t.setDatatype("BYTES");
    }
    return ModelInferRequest.newBuilder().setModelName(model).addInputs(t.setContents(c)).build();
  }

  /** An OIP request the server must refuse with INVALID_ARGUMENT: INT64 data for any model. */
  ModelInferRequest oipBad(String model) {
    return ModelInferRequest.newBuilder().setModelName(model).addInputs(InferInputTensor.newBuilder()
        .setName("input").setDatatype("INT64").addShape(1).addShape(3)
        .setContents(InferTensorContents.newBuilder().addInt64Contents(1).addInt64Contents(2).addInt64Contents(3)))
        .build();
  }
}
