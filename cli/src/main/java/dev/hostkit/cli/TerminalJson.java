package dev.hostkit.cli;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.hostkit.core.Printable;

/**
 * Jackson output safe for a terminal: what {@link Printable} escapes in text (DEL, C1 such as CSI 0x9b, bidi
 * controls) is written as a JSON unicode escape, on top of the C0 controls JSON always escapes.
 */
final class TerminalJson {
    private TerminalJson() {}

    static final CharacterEscapes ESCAPES = new CharacterEscapes() {
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
            return Printable.needsEscape(ch) ? new SerializedString(String.format("\\u%04x", ch)) : null;
        }
    };
}
