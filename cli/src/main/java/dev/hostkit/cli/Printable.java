package dev.hostkit.cli;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;

/**
 * Engine-supplied text (container names, images, event attributes, error messages) made safe for a terminal: control
 * characters (C0, DEL, C1), format characters (bidi overrides) and line separators become visible escapes, so a name
 * cannot move the cursor, recolour the screen or forge a line. Everything else is left as it is.
 */
final class Printable {
    private Printable() {
    }

    /** The text with every unsafe character as {@code \xHH} (or u+HHHH as backslash-u-HHHH above 0xff); null stays "null". */
    static String escape(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder b = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (unsafe(c)) {
                if (b == null) {
                    b = new StringBuilder(text.length() + 8).append(text, 0, i);
                }
                b.append(c <= 0xff ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? text : b.toString();
    }

    /** A multi-line text (a report) with each line escaped and its line breaks kept. */
    static String escapeLines(String text) {
        String[] lines = text.split("\n", -1);
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < lines.length; i++) {
            b.append(i == 0 ? "" : "\n").append(escape(lines[i]));
        }
        return b.toString();
    }

    /** Whether a character can change what a terminal shows beyond itself. */
    static boolean unsafe(int c) {
        int type = Character.getType(c);
        return type == Character.CONTROL || type == Character.FORMAT
                || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
    }

    /**
     * For Jackson: JSON unicode escapes for what JSON leaves raw but a terminal obeys (DEL, C1 such as CSI 0x9b, bidi
     * overrides), on top of the C0 controls JSON always escapes.
     */
    static final CharacterEscapes JSON_ESCAPES = new CharacterEscapes() {
        private final int[] ascii = standardAsciiEscapesForJSON();

        {
            ascii[0x7f] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return unsafe(ch) ? new SerializedString(String.format("\\u%04x", ch)) : null;
        }
    };
}
