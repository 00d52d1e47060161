package dev.hostkit.cli;

import dev.hostkit.guard.GuardMetrics;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GuardMetricsServerTest {
    private static final GuardMetrics SAMPLE =
            new GuardMetrics(7, 2, 1, 3, 9, 4, 1, 2.5, 5, Map.of("EACCES", 2L, "ENOENT", 1L));

    @Test
    void servesTheSameSeriesTypesAndHelpAsTheMetricsFile() throws Exception {
        try (GuardMetricsServer server = GuardMetricsServer.bind(loopbackAnyPort())) {
            server.expose(() -> SAMPLE);
            Scrape s = scrape(server, "text/plain");
            assertThat(s.status).isEqualTo(200);
            assertThat(s.contentType).startsWith("text/plain; version=0.0.4");
            Exposition served = Exposition.parse(s.body);
            Exposition file = Exposition.parse(SAMPLE.toPrometheusText());
            assertThat(served.samples).isEqualTo(file.samples);
            assertThat(served.types).isEqualTo(file.types);
            assertThat(served.help).isEqualTo(file.help);
            assertThat(served.samples)
                    .containsEntry("hostkit_guard_repairs_total{result=\"ok\"}", 7.0)
                    .containsEntry("hostkit_guard_repairs_total{result=\"failed\"}", 2.0)
                    .containsEntry("hostkit_guard_last_repair_seconds", 0.0025)
                    .containsEntry("hostkit_guard_look_errors_total{reason=\"EACCES\"}", 2.0);
        }
    }

    @Test
    void answersAnOpenMetricsScraperWithTheSameSeries() throws Exception {
        try (GuardMetricsServer server = GuardMetricsServer.bind(loopbackAnyPort())) {
            server.expose(() -> SAMPLE);
            // What Prometheus sends first.
            Scrape s = scrape(server, "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
            assertThat(s.contentType).startsWith("application/openmetrics-text");
            assertThat(Exposition.parse(s.body).samples).isEqualTo(Exposition.parse(SAMPLE.toPrometheusText()).samples);
            assertThat(s.body).endsWith("# EOF\n");
        }
    }

    @Test
    void takesOneFreshCopyPerScrapeAndServesNothingBeforeTheGuardianIsThere() throws Exception {
        AtomicReference<GuardMetrics> now = new AtomicReference<>(new GuardMetrics(0, 0, 0, 0, 0, 0, 0, 0, 0));
        try (GuardMetricsServer server = GuardMetricsServer.bind(loopbackAnyPort())) {
            assertThat(scrape(server, "text/plain").body).isEmpty();
            server.expose(now::get);
            assertThat(Exposition.parse(scrape(server, "text/plain").body).samples)
                    .containsEntry("hostkit_guard_repairs_total{result=\"ok\"}", 0.0);
            now.set(SAMPLE);
            assertThat(Exposition.parse(scrape(server, "text/plain").body).samples)
                    .containsEntry("hostkit_guard_repairs_total{result=\"ok\"}", 7.0);
        }
    }

    @Test
    void namesItsThreadsAndTakesThemAlongWhenClosed() throws Exception {
        long before = metricsThreads();
        GuardMetricsServer server = GuardMetricsServer.bind(loopbackAnyPort());
        server.expose(() -> SAMPLE);
        scrape(server, "text/plain");
        assertThat(metricsThreads() - before).isEqualTo(3);
        assertThat(Thread.getAllStackTraces().keySet())
                .extracting(Thread::getName)
                .doesNotContain("HTTP-Dispatcher", "idle-timeout-task", "req-rsp-timeout-task");
        try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
            assertThat(tasks.map(t -> {
                        try {
                            return java.nio.file.Files.readString(t.resolve("comm"))
                                    .strip();
                        } catch (IOException e) {
                            return "";
                        }
                    }))
                    .doesNotContain("HTTP-Dispatcher", "idle-timeout-ta", "req-rsp-timeout");
        }
        server.close();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (metricsThreads() > before && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(metricsThreads()).isEqualTo(before);
        assertThatThrownBy(() -> scrape(server, "text/plain")).isInstanceOf(ConnectException.class);
    }

    @Test
    void aPortInUseIsOneLineNamingTheAddress() throws Exception {
        try (GuardMetricsServer first = GuardMetricsServer.bind(loopbackAnyPort())) {
            MetricsAddress taken = first.address();
            assertThatThrownBy(() -> GuardMetricsServer.bind(taken))
                    .isInstanceOf(IOException.class)
                    .hasMessage("cannot serve metrics on " + taken + ": the port is in use");
        }
    }

    @Test
    void anAddressOfNoInterfaceHereIsOneLine() {
        MetricsAddress elsewhere = MetricsAddress.parse("192.0.2.1:9464"); // TEST-NET-1: never on this host
        assertThatThrownBy(() -> GuardMetricsServer.bind(elsewhere))
                .isInstanceOf(IOException.class)
                .hasMessage("cannot serve metrics on 192.0.2.1:9464: no interface of this host has that address");
    }

    static MetricsAddress loopbackAnyPort() {
        return new MetricsAddress(InetAddress.getLoopbackAddress(), 0);
    }

    private static long metricsThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(GuardMetricsServer.THREAD_PREFIX))
                .count();
    }

    record Scrape(int status, String contentType, String body) {}

    static Scrape scrape(GuardMetricsServer server, String accept) throws IOException, InterruptedException {
        return scrape(server.address(), accept);
    }

    static Scrape scrape(MetricsAddress address, String accept) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://" + address + "/metrics"))
                        .header("Accept", accept)
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return new Scrape(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    }

    /** A text exposition reduced to what a scraper stores: series and values, family types and help. */
    record Exposition(Map<String, Double> samples, Map<String, String> types, Map<String, String> help) {
        static Exposition parse(String text) {
            Map<String, Double> samples = new TreeMap<>();
            Map<String, String> types = new TreeMap<>();
            Map<String, String> help = new TreeMap<>();
            for (String line : text.split("\n")) {
                if (line.startsWith("# TYPE ")) {
                    String[] p = line.split(" ");
                    types.put(family(p[2]), p[3]);
                } else if (line.startsWith("# HELP ")) {
                    String[] p = line.split(" ", 4);
                    help.put(family(p[2]), p[3]);
                } else if (!line.isEmpty() && !line.startsWith("#")) {
                    int space = line.lastIndexOf(' ');
                    samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
                }
            }
            return new Exposition(samples, types, help);
        }

        // The file names a counter family with "_total", the client without: both are the same family.
        private static String family(String name) {
            return name.endsWith("_total") ? name.substring(0, name.length() - "_total".length()) : name;
        }
    }
}
