package dev.cerberus.client;

import com.google.protobuf.ByteString;
import dev.cerberus.proto.v1.Item;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builders for the common kinds of {@link Item}. */
public final class Items {
  private Items() {}

  /** An image item from an encoded PNG or JPEG file; its id is the path as given. */
  public static Item image(Path file) {
    return image(file.toString(), file);
  }

  public static Item image(String id, Path file) {
    try {
      return Item.newBuilder().setId(id).setImage(ByteString.copyFrom(Files.readAllBytes(file)))
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read image file " + file + ": " + e.getMessage(), e);
    }
  }

  public static Item image(String id, byte[] encoded) {
    return Item.newBuilder().setId(id).setImage(ByteString.copyFrom(encoded)).build();
  }

  public static Item text(String id, String text) {
    return Item.newBuilder().setId(id).setText(text).build();
  }
}
