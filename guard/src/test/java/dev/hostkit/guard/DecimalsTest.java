package dev.hostkit.guard;

import org.junit.jupiter.api.Test;

import java.util.Locale;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class DecimalsTest {
    @Test
    void writesWhatFormatterWritesForEveryScaleAndManyValues() {
        SplittableRandom r = new SplittableRandom(13);
        double[] edges = {0, 0.0005, 0.0015, 1.0005, 2.5e-7, 123456.789, 1e15 + 0.5, Double.MIN_VALUE, 9.9995, 0.125};
        for (int scale : new int[] {0, 3, 6}) {
            for (double v : edges) {
                assertThat(Decimals.fixed(v, scale)).isEqualTo(String.format(Locale.ROOT, "%." + scale + "f", v));
            }
            for (int i = 0; i < 20_000; i++) {
                double v = r.nextDouble() * Math.pow(10, r.nextInt(-4, 12));
                assertThat(Decimals.fixed(v, scale))
                        .as("%s at scale %d", v, scale)
                        .isEqualTo(String.format(Locale.ROOT, "%." + scale + "f", v));
            }
        }
    }

    @Test
    void notANumberAndInfinityAsFormatterSpellsThem() {
        assertThat(Decimals.fixed(Double.NaN, 3)).isEqualTo("NaN");
        assertThat(Decimals.fixed(Double.POSITIVE_INFINITY, 3)).isEqualTo("Infinity");
        assertThat(Decimals.fixed(Double.NEGATIVE_INFINITY, 3)).isEqualTo("-Infinity");
    }
}
