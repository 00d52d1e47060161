package dev.hostkit.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MetricsAddressTest {
    @Test
    void aPortAloneMeansLoopback() {
        assertThat(MetricsAddress.parse(":9464").toString()).isEqualTo("127.0.0.1:9464");
        assertThat(MetricsAddress.parse("9464").toString()).isEqualTo("127.0.0.1:9464");
        assertThat(MetricsAddress.parse("localhost:9464").toString()).isEqualTo("127.0.0.1:9464");
        assertThat(MetricsAddress.parse(":9464").allInterfaces()).isFalse();
    }

    @Test
    void allInterfacesOnlyWhenWrittenOut() {
        assertThat(MetricsAddress.parse("0.0.0.0:9464").allInterfaces()).isTrue();
        assertThat(MetricsAddress.parse("[::]:9464").allInterfaces()).isTrue();
        assertThat(MetricsAddress.parse("[::]:9464").toString()).isEqualTo("[0:0:0:0:0:0:0:0]:9464");
        assertThat(MetricsAddress.parse("10.1.2.3:80").toString()).isEqualTo("10.1.2.3:80");
        assertThat(MetricsAddress.parse("[::1]:9464").toString()).isEqualTo("[0:0:0:0:0:0:0:1]:9464");
    }

    @Test
    void refusesWhatIsNotAnIpAndAPortWithOneLine() {
        assertRefused("", "'': expected HOST:PORT, :PORT or [IPv6]:PORT");
        assertRefused("::1:9464", "'::1:9464': expected HOST:PORT, :PORT or [IPv6]:PORT");
        assertRefused(
                "prometheus.example:9464",
                "'prometheus.example:9464': 'prometheus.example' is not an IPv4 address; give an IP address"
                        + " (names are not resolved) and an IPv6 address in brackets");
        assertRefused(
                "256.0.0.1:9464",
                "'256.0.0.1:9464': '256.0.0.1' is not an IPv4 address; give an IP address"
                        + " (names are not resolved) and an IPv6 address in brackets");
        assertRefused("[fe80::zz]:9464", "'[fe80::zz]:9464': [fe80::zz] is not an IPv6 address");
        assertRefused("[1.2.3.4]:9464", "'[1.2.3.4]:9464': [1.2.3.4] is not an IPv6 address");
        assertRefused("127.0.0.1:", "'127.0.0.1:': the port must be a number in 1..65535");
        assertRefused("127.0.0.1:0", "'127.0.0.1:0': the port must be a number in 1..65535");
        assertRefused("127.0.0.1:65536", "'127.0.0.1:65536': the port must be a number in 1..65535");
        assertRefused("127.0.0.1:http", "'127.0.0.1:http': the port must be a number in 1..65535");
        assertRefused("127.0.0.1:-1", "'127.0.0.1:-1': the port must be a number in 1..65535");
        assertRefused(":99999999999", "':99999999999': the port must be a number in 1..65535");
    }

    private static void assertRefused(String text, String message) {
        assertThatThrownBy(() -> MetricsAddress.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }
}
