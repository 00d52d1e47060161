package dev.hostkit.cli;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The node-problem-detector configs as NPD loads and validates them, and hostkit's contract in them. */
class NpdConfigTest {
    @Test
    void everyConfigIsACustomPluginMonitorThatNpdAccepts() throws Exception {
        List<NpdConfig.Loaded> all = NpdConfig.all();
        assertThat(all).hasSize(4);
        Set<String> conditions = new HashSet<>();
        for (NpdConfig.Loaded l : all) {
            NpdConfig c = l.config();
            assertThat(c.plugin()).as(l.file()).isEqualTo("custom");
            assertThat(c.source()).as(l.file()).isNotBlank();
            assertThat(c.pluginConfig().maxOutput()).as(l.file()).isEqualTo(NpdCheck.MAX_LINE);
            assertThat(c.pluginConfig().globalTimeout())
                    .as(l.file())
                    .isLessThan(c.pluginConfig().interval());
            Set<String> defaults =
                    c.conditions().stream().map(NpdConfig.Condition::type).collect(Collectors.toSet());
            c.conditions()
                    .forEach(d -> assertThat(List.of(d.type(), d.reason(), d.message()))
                            .as(l.file())
                            .allSatisfy(v -> assertThat(v).isNotBlank()));
            assertThat(c.rules()).as(l.file()).isNotEmpty();
            for (NpdConfig.Rule r : c.rules()) {
                assertThat(r.type()).isIn("permanent", "temporary");
                // NPD refuses a rule whose timeout exceeds the plugin's, and a permanent rule without a default
                // condition.
                assertThat(r.timeout(c.pluginConfig()))
                        .as(l.file())
                        .isLessThanOrEqualTo(c.pluginConfig().globalTimeout());
                if (r.type().equals("permanent")) {
                    assertThat(defaults).as(l.file()).contains(r.condition());
                }
                assertThat(r.reason()).isNotBlank();
                assertThat(r.path()).isEqualTo("/opt/hostkit/bin/hostkit");
                assertThat(r.args()).containsExactly("doctor", "--check", r.condition(), "--npd");
                NpdCheck.Name.parse(r.condition()); // a check hostkit has
                assertThat(conditions.add(r.condition()))
                        .as("%s handled once", r.condition())
                        .isTrue();
            }
        }
        assertThat(conditions)
                .containsExactlyInAnyOrder("MacvlanLost", "MemcgIdPressure", "DockerEngineDown", "DockerSocketLeak");
    }

    @Test
    void goDurationsParseAsNpdReadsThem() {
        assertThat(NpdConfig.goDuration("15s").toMillis()).isEqualTo(15_000);
        assertThat(NpdConfig.goDuration("1m30s").toMillis()).isEqualTo(90_000);
        assertThat(NpdConfig.goDuration("500ms").toMillis()).isEqualTo(500);
    }

    @Test
    void aMessageIsCutToOneAsciiLineOfEightyCharacters() {
        String line = new NpdCheck.Answer(1, "a\nb\t" + "x".repeat(200) + "é").line();
        assertThat(line).hasSize(80).startsWith("a b x").endsWith("...").doesNotContain("\n");
        assertThat(new NpdCheck.Answer(0, "ok é").line()).isEqualTo("ok ?");
    }
}
