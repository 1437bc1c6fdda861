package dev.cerberus.server.badinput;

import com.google.protobuf.ByteString;
import dev.cerberus.proto.v1.Item;
import dev.cerberus.proto.v1.ItemErrorCode;
import dev.cerberus.proto.v1.Tensor;
import dev.cerberus.server.TestInputs;
import java.util.List;
import java.util.stream.Stream;

/**
 * Bad (and odd but valid) single items for the cerberus.v1 API: each row one named kind, the
 * model it is sent to, and the per-item outcome expected; {@code code} null means the item is
 * valid and gets a prediction. Sent between two good items, which must be answered.
 */
record ItemKinds(String kind, String model, Item item, ItemErrorCode code, List<String> says) {

  @Override
  public String toString() {
    return kind;
  }

  static final ItemErrorCode INVALID = ItemErrorCode.INVALID_ARGUMENT;

  private static ItemKinds bad(String kind, String model, Item.Builder item, String... says) {
    return new ItemKinds(kind, model, item.setId("bad").build(), INVALID, List.of(says));
  }

  private static ItemKinds ok(String kind, String model, Item.Builder item) {
    return new ItemKinds(kind, model, item.setId("bad").build(), null, List.of());
  }

  private static Item.Builder image(byte[] bytes) {
    return Item.newBuilder().setImage(ByteString.copyFrom(bytes));
  }

  private static Item.Builder text(String text) {
    return Item.newBuilder().setText(text);
  }

  private static Item.Builder tensor(long[] shape, float... values) {
    Tensor.Builder t = Tensor.newBuilder();
    for (long d : shape) t.addShape(d);
    for (float v : values) t.addValues(v);
    return Item.newBuilder().setTensor(t);
  }

  private static byte[] garbage(int n) {
    byte[] b = new byte[n];
    new java.util.Random(n).nextBytes(b);
    b[0] = 0x42; // not a PNG or JPEG signature whatever the seed
    return b;
  }

  static Stream<ItemKinds> images() {
    String notImage = "is not PNG or JPEG";
    String formats = "allowed formats: PNG, JPEG";
    String corrupt = "image is corrupt or truncated";
    return Stream.of(
        bad("image: empty bytes", "shapes", image(new byte[0]), "image is empty",
            "send PNG or JPEG bytes"),
        bad("image: random garbage", "shapes", image(garbage(300)), notImage, formats),
        bad("image: a zip file", "shapes", image(TestInputs.zipBytes()), notImage, formats),
        bad("image: GIF", "shapes", image(BadImages.gif()), notImage, formats),
        bad("image: BMP", "shapes", image(BadImages.bmp()), notImage, formats),
        bad("image: PNG truncated half-way", "shapes", image(BadImages.truncatedPng()), corrupt),
        bad("image: JPEG truncated half-way", "shapes", image(BadImages.truncatedJpeg()), corrupt),
        bad("image: PNG signature only", "shapes",
            image(java.util.Arrays.copyOf(BadImages.pngHeader(16, 16), 8)), corrupt),
        bad("image: JPEG start marker only", "shapes",
            image(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xD9}), corrupt),
        bad("image: PNG with corrupt compressed data", "shapes",
            image(BadImages.corruptIdatPng()), corrupt),
        bad("image: PNG header only (no pixel data)", "shapes",
            image(BadImages.pngHeader(16, 16)), corrupt),
        bad("image: PNG over the pixel limit (2000 x 2000)", "shapes",
            image(BadImages.pngHeader(2000, 2000)), "2000x2000 = 4000000 pixels",
            "the limit is " + BadInputServer.MAX_IMAGE_PIXELS, "cerberus.limits.max-image-pixels"),
        bad("image: JPEG over the pixel limit (3000 x 3000)", "shapes",
            image(BadImages.jpegDeclaring(3000, 3000)), "3000x3000 = 9000000 pixels",
            "cerberus.limits.max-image-pixels"),
        bad("image: PNG declaring 50000 x 50000", "shapes", image(TestInputs.hugePngHeader()),
            "50000x50000", "cerberus.limits.max-image-pixels"),
        bad("image: PNG of width 0", "shapes", image(BadImages.pngHeader(0, 16)),
            "width or height of 0 pixels", "at least 1 x 1"),
        bad("image: JPEG of height 0", "shapes", image(BadImages.jpegDeclaring(16, 0)),
            "width or height of 0 pixels", "at least 1 x 1"),
        bad("image: over the byte limit", "shapes",
            image(garbage(BadInputServer.MAX_IMAGE_BYTES + 1)),
            "the limit is " + BadInputServer.MAX_IMAGE_BYTES, "cerberus.limits.max-image-bytes"),
        ok("image: 4-channel (CMYK) JPEG", "shapes", image(BadImages.fourChannelJpeg())),
        ok("image: 1 x 1 pixel", "shapes", image(BadImages.onePixelPng())),
        ok("image: 16-bit grayscale PNG", "shapes", image(BadImages.gray16Png())),
        ok("image: 1-bit PNG", "shapes", image(BadImages.bilevelPng())),
        ok("image: 2-bit palette PNG", "shapes", image(BadImages.palettePng())),
        ok("image: RGBA PNG", "shapes", image(BadImages.rgbaPng())),
        ok("image: JPEG with EXIF orientation 6", "shapes", image(BadImages.jpegWithExif(6, 8))),
        ok("image: JPEG with EXIF orientation 9 (out of range)", "shapes",
            image(BadImages.jpegWithExif(9, 8))),
        ok("image: JPEG with a corrupt EXIF block (IFD past the end)", "shapes",
            image(BadImages.jpegWithExif(6, 100_000))),
        bad("image: sent to a text model", "topics", image(TestInputs.png(16, 16, 1)),
            "this model takes text, got image"),
        bad("image: sent to a tensor model", "vectors", image(TestInputs.png(16, 16, 1)),
            "this model takes a tensor of shape [4], got image"));
  }

  static Stream<ItemKinds> texts() {
    return Stream.of(
        bad("text: empty", "topics", text(""), "text is empty"),
        bad("text: only whitespace (with a no-break space)", "topics", text(" \t\n\u00a0 "),
            "text is empty", "visible character"),
        bad("text: only zero-width characters", "topics", text("\u200b\u200d\ufeff"),
            "text is empty", "visible character"),
        bad("text: over the byte limit", "topics", text("x".repeat(BadInputServer.MAX_TEXT_BYTES + 1)),
            "the limit is " + BadInputServer.MAX_TEXT_BYTES, "cerberus.limits.max-text-bytes"),
        bad("text: only NUL characters", "topics", text("\0\0\0"), "text is empty",
            "visible character"),
        ok("text: NUL characters between words", "topics", text("a dog\0and\0a cat")),
        ok("text: 1,000 tokens (truncated to max_tokens)", "topics",
            text("a ".repeat(1000))),
        ok("text: emoji and combining marks", "topics", text("\uD83D\uDC36 dog e\u0301")),
        bad("text: sent to an image model", "shapes", text("a dog"),
            "this model takes an image"),
        bad("item: no input set", "shapes", Item.newBuilder(),
            "the item carries no input; set one of image, text or tensor"));
  }

  static Stream<ItemKinds> tensors() {
    return Stream.of(
        bad("tensor: wrong shape [2, 2]", "vectors", tensor(new long[] {2, 2}, 1, 2, 3, 4),
            "tensor shape [2, 2] does not match the model's [4]"),
        bad("tensor: 3 values for shape [4]", "vectors", tensor(new long[] {4}, 1, 2, 3),
            "tensor has 3 values, shape [4] needs 4"),
        bad("tensor: negative dimension", "vectors", tensor(new long[] {-4}, 1, 2, 3, 4),
            "tensor shape [-4] does not match"),
        bad("tensor: NaN value", "vectors", tensor(new long[] {4}, 1, Float.NaN, 3, 4),
            "tensor values must be finite (found NaN)"),
        bad("tensor: infinite value", "vectors",
            tensor(new long[] {4}, 1, Float.POSITIVE_INFINITY, 3, 4), "must be finite"),
        bad("tensor: over the value limit", "vectors",
            tensor(new long[] {4}, new float[BadInputServer.MAX_TENSOR_VALUES + 1]),
            "the limit is " + BadInputServer.MAX_TENSOR_VALUES, "cerberus.limits.max-tensor-values"),
        bad("tensor: sent to an image model", "shapes", tensor(new long[] {4}, 1, 2, 3, 4),
            "this model takes an image"));
  }

  static Stream<ItemKinds> all() {
    return Stream.of(images(), texts(), tensors()).flatMap(s -> s);
  }
}
