package dev.hostkit.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PrintableTest {

    @Test
    void ordinaryTextIsReturnedUnchanged() {
        String s = "web-1 (nginx:1.25) C:\\path ünïcödé";
        assertThat(Printable.escape(s)).isSameAs(s);
    }

    @Test
    void terminalEscapesAndBidiOverridesAreWrittenOut() {
        assertThat(Printable.escape("\u001b[31mred\u001b[0m\r\n\tx\u0007\u007f\u009b\u202egnp.exe"))
                .isEqualTo("\\x1b[31mred\\x1b[0m\\r\\n\\tx\\x07\\x7f\\x9b\\u202egnp.exe")
                .doesNotContainPattern("[\\p{Cntrl}\u202a-\u202e]");
    }

    @Test
    void boundedFormCutsAndSaysHowLongTheOriginalWas() {
        assertThat(Printable.escape("a".repeat(1000), 5)).isEqualTo("aaaaa... (1000 characters)");
        assertThat(Printable.escape("ab\u001b", 5)).isEqualTo("ab\\x1b");
        assertThat(Printable.escape(null)).isEqualTo("null");
    }
}
