package dev.aijobs.protocol;

/**
 * The rules a job's values obey, shared by the {@link JobRequest} constructor (jobs built in code)
 * and {@link RequestReader} (jobs read from the wire), so both say the same thing about a bad
 * value.
 */
final class RequestRules {
  /**
   * Longest accepted job id in UTF-8 bytes: it becomes the AMQP {@code message_id}, a short string
   * of at most 255 bytes.
   */
  static final int MAX_ID_BYTES = 200;

  private RequestRules() {}

  /**
   * Checks a non-blank id against the byte limit and for control characters.
   *
   * @throws InvalidJobException naming {@code id}
   */
  static void checkId(String id) {
    if (utf8Length(id) > MAX_ID_BYTES) {
      throw InvalidJobException.badField(
          "id", "must be at most " + MAX_ID_BYTES + " bytes in UTF-8 (it is the AMQP message_id)");
    }
    for (int i = 0; i < id.length(); i++) {
      // Control characters break log lines and headers wherever the id is echoed.
      if (Character.isISOControl(id.charAt(i))) {
        throw InvalidJobException.badField("id", "must not contain control characters");
      }
    }
  }

  /** The UTF-8 length of {@code s}, without encoding it. */
  static int utf8Length(String s) {
    int bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        // Other BMP characters; a lone surrogate is encoded as '?' (1 byte) by Java, but 3 is
        // the safe upper bound.
        bytes += 3;
      }
    }
    return bytes;
  }
}
