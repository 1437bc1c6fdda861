package dev.cerberus.client;

import com.google.protobuf.ByteString;
import dev.cerberus.proto.v1.Item;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
      throw new UncheckedIOException(unreadable(file, e), e);
    }
  }

  /**
   * One line a user can act on. The JDK's messages of these exceptions are only the path
   * ("cannot read image file x.png: x.png" said nothing about why).
   */
  static String unreadable(Path file, IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file: " + file;
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied: " + file;
    }
    if (Files.isDirectory(file)) {
      return "is a folder, not an image file: " + file;
    }
    return "cannot read " + file + ": " + e.getMessage();
  }

  public static Item image(String id, byte[] encoded) {
    return Item.newBuilder().setId(id).setImage(ByteString.copyFrom(encoded)).build();
  }

  public static Item text(String id, String text) {
    return Item.newBuilder().setId(id).setText(text).build();
  }
}
