package dev.hostkit.guard;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Fixed-point text of a double, as {@code String.format(Locale.ROOT, "%.Nf", v)} writes it, without
 * {@link java.util.Formatter}: that one looks up the locale's decimal symbols, which loads the JDK's CLDR locale
 * provider and its data into the daemon (some 50 classes, resource bundles read from the runtime image) for a dot.
 */
final class Decimals {
    private Decimals() {}

    /** {@code v} rounded half-up to {@code scale} digits after the point; "NaN" and "Infinity" as Formatter says. */
    static String fixed(double v, int scale) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return Double.toString(v);
        }
        // Formatter rounds the decimal digits Double.toString gives (1.0005 is 1.001 at 3), not the double's exact
        // binary value (1.000499999...): BigDecimal.valueOf starts from those same digits.
        return BigDecimal.valueOf(v).setScale(scale, RoundingMode.HALF_UP).toPlainString();
    }
}
