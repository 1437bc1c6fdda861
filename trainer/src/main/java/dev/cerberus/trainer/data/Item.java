package dev.cerberus.trainer.data;

import java.nio.file.Path;

/** One input before the backbone: an image file or a text. */
public sealed interface Item {

  /** Where the item came from, for error messages and reports (file, or file:line). */
  String origin();

  record ImageFile(Path path, String origin) implements Item {}

  record Text(String text, String origin) implements Item {}
}
