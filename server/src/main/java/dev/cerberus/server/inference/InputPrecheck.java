package dev.cerberus.server.inference;

import dev.cerberus.model.input.ImageHeader;
import dev.cerberus.model.input.InputRejectedException;
import dev.cerberus.model.input.ModelInput;

/**
 * Checks the server makes on an item before handing it to the model's preprocessing, for
 * inputs the preprocessing would accept without meaning or refuse in a decoder's words:
 * an image whose header declares a width or height of 0 (the decoders said "I/O error reading
 * PNG header!" and "Empty JPEG image (DNL not supported)"), and a text with no visible
 * character (NUL or non-breaking spaces only: the tokenizer dropped them and the model
 * classified an empty sequence).
 */
final class InputPrecheck {

  private InputPrecheck() {}

  static void check(ModelInput input) throws InputRejectedException {
    if (input instanceof ModelInput.Image image && ImageHeader.declaredPixels(image.bytes()) == 0) {
      throw InputRejectedException.invalid("image declares a width or height of 0 pixels; "
          + "send an image of at least 1 x 1 pixel");
    }
    if (input instanceof ModelInput.Text text && text.text() != null && !text.text().isEmpty()
        && !hasVisibleCharacter(text.text())) {
      throw InputRejectedException.invalid("text is empty (it has only whitespace, control or "
          + "format characters); send at least one visible character");
    }
  }

  /** True when some code point is neither whitespace (any kind), a control nor a format char. */
  static boolean hasVisibleCharacter(String s) {
    return s.codePoints().anyMatch(c -> !Character.isWhitespace(c) && !Character.isSpaceChar(c)
        && !Character.isISOControl(c) && Character.getType(c) != Character.FORMAT);
  }
}
