package dev.hostkit.docker;

import dev.hostkit.docker.internal.FrameDemultiplexer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FrameDemultiplexerTest {
    private static byte[] frame(int stream, String text) {
        byte[] p = text.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {
            (byte) stream,
            0,
            0,
            0,
            (byte) (p.length >>> 24),
            (byte) (p.length >>> 16),
            (byte) (p.length >>> 8),
            (byte) p.length
        });
        b.writeBytes(p);
        return b.toByteArray();
    }

    @Test
    void splitsStdoutAndStderrFrames() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(frame(1, "out\n"));
        all.writeBytes(frame(2, "err\n"));
        all.writeBytes(frame(1, ""));
        FrameDemultiplexer d = new FrameDemultiplexer(new ByteArrayInputStream(all.toByteArray()), false);
        assertThat(d.next()).satisfies(f -> {
            assertThat(f.source()).isEqualTo(LogFrame.Source.STDOUT);
            assertThat(f.text()).isEqualTo("out\n");
        });
        assertThat(d.next().source()).isEqualTo(LogFrame.Source.STDERR);
        assertThat(d.next().payload()).isEmpty();
        assertThat(d.next()).isNull();
    }

    @Test
    void rawTtyStreamIsStdout() throws IOException {
        FrameDemultiplexer d =
                new FrameDemultiplexer(new ByteArrayInputStream("hello\r\n".getBytes(StandardCharsets.UTF_8)), true);
        LogFrame f = d.next();
        assertThat(f.source()).isEqualTo(LogFrame.Source.STDOUT);
        assertThat(f.text()).isEqualTo("hello\r\n");
        assertThat(d.next()).isNull();
    }

    @Test
    void truncatedFrameAndBadHeaderAreErrors() {
        byte[] f = frame(1, "abcdef");
        byte[] cut = java.util.Arrays.copyOf(f, f.length - 2);
        assertThatThrownBy(() -> new FrameDemultiplexer(new ByteArrayInputStream(cut), false).next())
                .isInstanceOf(EOFException.class)
                .hasMessageContaining("4 of 6 bytes");
        byte[] bad = frame(7, "x");
        assertThatThrownBy(() -> new FrameDemultiplexer(new ByteArrayInputStream(bad), false).next())
                .hasMessageContaining("stream byte 7");
    }
}
