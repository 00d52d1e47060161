package dev.hostkit.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A child process (python3) that leaks connections to a unix socket, for tests of socket-client surveys: each
 * {@link #open} makes it open more and never close them. {@link #close()} kills it and removes its script.
 *
 * <pre>{@code
 * try (LeakyClient leaker = new LeakyClient(engine.socket())) {
 *     leaker.open(5, "idle");   // 5 connections, nothing sent; "ask": a ping on each, its answer left unread
 * }
 * }</pre>
 */
public final class LeakyClient implements AutoCloseable {
    private final Process process;
    private final Path script;
    private final BufferedReader out;
    private final Writer in;

    /**
     * Starts the client against {@code socket}.
     *
     * @param socket the unix socket to leak connections to
     * @throws IOException when the script cannot be written or python3 cannot be started
     */
    public LeakyClient(Path socket) throws IOException {
        script = Files.createTempFile("hk-leaky", ".py");
        try (InputStream s = LeakyClient.class.getResourceAsStream("leaky_client.py")) {
            Files.write(script, s.readAllBytes());
            process = new ProcessBuilder("python3", script.toString(), socket.toString())
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(script);
            throw e;
        }
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    /**
     * Opens {@code n} more connections and returns once they are open.
     *
     * @param mode {@code idle} (nothing sent) or {@code ask} (a ping sent on each, its answer left unread)
     * @throws IOException when the client did not confirm (it printed something else, or exited)
     */
    public void open(int n, String mode) throws IOException {
        in.write(n + " " + mode + "\n");
        in.flush();
        String reply = out.readLine();
        if (!"ok".equals(reply)) {
            throw new IOException("the leaky client did not open " + n + " " + mode + " connections: " + reply);
        }
    }

    /** The child's pid. */
    public int pid() {
        return (int) process.pid();
    }

    /** The script the child runs (a temporary file, removed on close): its path is in the child's command line. */
    public Path script() {
        return script;
    }

    /** Kills the child and removes its script. */
    @Override
    public void close() throws IOException {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the streams and the script are still released
        }
        process.getInputStream().close();
        process.getOutputStream().close();
        Files.deleteIfExists(script);
    }
}
