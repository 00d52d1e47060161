package dev.hostkit.docker;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Keeps environment values (often secrets) out of toString() and logs: names stay, values go. */
final class Redaction {
    private Redaction() {}

    static List<String> envNames(Collection<String> env) {
        List<String> out = new ArrayList<>();
        if (env != null) {
            for (String e : env) {
                int eq = e.indexOf('=');
                out.add(eq < 0 ? e : e.substring(0, eq) + "=<redacted>");
            }
        }
        return out;
    }
}
