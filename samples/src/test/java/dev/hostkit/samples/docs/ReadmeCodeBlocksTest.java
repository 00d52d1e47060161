package dev.hostkit.samples.docs;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every {@code ```java} block of every README.md in the repository compiles as written, against the test class path
 * (all hostkit modules, the testkit, JUnit and AssertJ). A block carries its own imports. A block that declares a type
 * is compiled as a file; one that starts with a method, field or annotation is the body of a class; anything else is
 * the body of a method that may throw. New READMEs are picked up by themselves. Running the examples is
 * {@link ReadmeExamplesIT}'s job.
 */
class ReadmeCodeBlocksTest {
    private static final Pattern TYPE_DECLARATION = Pattern.compile(
            "^(@\\w+(\\([^)]*\\))?\\s+)*((public|final|abstract|sealed|non-sealed)\\s+)*(class|record|interface|enum)\\s+\\w+.*");
    private static final Pattern MEMBER_START = Pattern.compile(
            "^(@.*|((public|protected|private|static|final|abstract|synchronized|default)\\s+)*(<[^>]+>\\s+)?[\\w.<>\\[\\], ?]+\\s+\\w+\\s*\\(.*)");
    private static final List<String> STATEMENT_KEYWORDS = List.of("return", "new", "throw", "else", "yield", "case");

    /** One code block: where it is, and the compilation unit made of it ({@code bodyOffset}: source line minus README line). */
    record Block(Path readme, int line, String kind, String className, String source, int bodyOffset) {
        String where() {
            return readme + ":" + line;
        }
    }

    @TestFactory
    Stream<DynamicTest> everyJavaBlockOfEveryReadmeCompilesAsWritten() throws IOException {
        Path root = repositoryRoot();
        List<Block> blocks = new ArrayList<>();
        for (Path readme : readmes(root)) {
            blocks.addAll(blocks(root, readme));
        }
        assertThat(blocks).as("java blocks in the READMEs of " + root).hasSizeGreaterThan(10);
        List<Diagnostic<? extends JavaFileObject>> errors = compile(blocks);
        return blocks.stream()
                .map(b -> DynamicTest.dynamicTest(b.where() + " (" + b.kind() + ")", () -> {
                    List<String> own = errors.stream()
                            .filter(d -> d.getSource() != null
                                    && d.getSource().toUri().getPath().endsWith("/" + b.className() + ".java"))
                            .map(d -> b.readme() + ":" + line(b, d) + ": " + d.getMessage(Locale.ROOT))
                            .toList();
                    assertThat(own)
                            .as("compile errors of the block at %s:%n%s", b.where(), b.source())
                            .isEmpty();
                }));
    }

    @Test
    void aBlockThatDoesNotCompileIsReportedAtItsReadmeLine() throws IOException {
        List<String> statements =
                List.of("import java.util.List;", "", "List<String> names = List.of(\"a\");", "names.add(42);");
        List<String> members = List.of("import java.util.Set;", "", "void f(Set<String> s) {", "    return s;", "}");
        Block b1 = block(Path.of("x/README.md"), 10, statements);
        Block b2 = block(Path.of("x/README.md"), 20, members);
        Block unit = block(
                Path.of("x/README.md"),
                30,
                List.of("import java.util.Map;", "", "record R(Map<String, Integer> m) {", "}"));
        assertThat(List.of(b1.kind(), b2.kind(), unit.kind()))
                .containsExactly("method body", "class body", "compilation unit");

        List<Diagnostic<? extends JavaFileObject>> errors = compile(List.of(b1, b2, unit));
        assertThat(errors)
                .as("errors of the two broken blocks; the record compiles")
                .hasSize(2);
        assertThat(errors.stream()
                        .filter(d -> d.getSource().toUri().getPath().endsWith("/Block10.java"))
                        .map(d -> line(b1, d)))
                .containsExactly(13L); // names.add(42) is the block's 4th line
        assertThat(errors.stream()
                        .filter(d -> d.getSource().toUri().getPath().endsWith("/Block20.java"))
                        .map(d -> line(b2, d)))
                .containsExactly(23L); // return s; in a void method
    }

    private static long line(Block b, Diagnostic<? extends JavaFileObject> d) {
        return b.line() + d.getLineNumber() - b.bodyOffset();
    }

    // The module sits one below the repository root; tests run with the module as working directory.
    private static Path repositoryRoot() {
        Path here = Path.of("").toAbsolutePath();
        Path root = Files.exists(here.resolve("samples")) ? here : here.getParent();
        assertThat(root.resolve("README.md"))
                .as("the repository's README next to " + here)
                .exists();
        return root;
    }

    private static List<Path> readmes(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(p -> p.getFileName().toString().equals("README.md"))
                    .filter(p -> Stream.of(root.relativize(p).toString().split("/"))
                            .noneMatch(part -> part.equals("target") || part.startsWith(".")))
                    .sorted()
                    .toList();
        }
    }

    static List<Block> blocks(Path root, Path readme) throws IOException {
        List<String> lines = Files.readAllLines(readme, StandardCharsets.UTF_8);
        Path relative = root.relativize(readme);
        List<Block> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).strip().equals("```java")) {
                continue;
            }
            int start = i + 2; // 1-based line of the block's first line
            List<String> code = new ArrayList<>();
            for (i++; i < lines.size() && !lines.get(i).strip().equals("```"); i++) {
                code.add(lines.get(i));
            }
            out.add(block(relative, start, code));
        }
        return out;
    }

    // Imports stay where Java wants them; the rest becomes a file, a class body or a method body.
    static Block block(Path readme, int line, List<String> code) {
        String pkg =
                "readme." + readme.toString().replaceAll("[^A-Za-z0-9]+", "_").toLowerCase(Locale.ROOT);
        String className = "Block" + line;
        int firstBody = 0;
        while (firstBody < code.size()
                && (code.get(firstBody).isBlank() || code.get(firstBody).startsWith("import "))) {
            firstBody++;
        }
        List<String> imports = code.subList(0, firstBody);
        List<String> body = code.subList(firstBody, code.size());
        String firstCode = body.stream()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("//"))
                .findFirst()
                .orElse("");
        String kind;
        StringBuilder src = new StringBuilder("package " + pkg + "." + className.toLowerCase(Locale.ROOT) + ";\n");
        imports.forEach(l -> src.append(l).append('\n'));
        int offset;
        if (body.stream().anyMatch(l -> TYPE_DECLARATION.matcher(l).matches())) {
            kind = "compilation unit";
            src.append("@SuppressWarnings(\"unused\") final class ")
                    .append(className)
                    .append(" {}\n");
            offset = src.toString().split("\n", -1).length - firstBody;
            body.forEach(l -> src.append(l).append('\n'));
        } else {
            boolean members = MEMBER_START.matcher(firstCode).matches()
                    && STATEMENT_KEYWORDS.stream().noneMatch(k -> firstCode.startsWith(k + " "));
            kind = members ? "class body" : "method body";
            src.append("@SuppressWarnings(\"unused\") abstract class ")
                    .append(className)
                    .append(" {")
                    .append(members ? "\n" : " void block() throws Exception {\n");
            offset = src.toString().split("\n", -1).length - firstBody;
            body.forEach(l -> src.append(l).append('\n'));
            src.append(members ? "}\n" : "}}\n");
        }
        return new Block(readme, line, kind, className, src.toString(), offset);
    }

    static List<Diagnostic<? extends JavaFileObject>> compile(List<Block> blocks) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac)
                .as("a JDK compiler (run the tests on a JDK, not a JRE)")
                .isNotNull();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path out = Files.createTempDirectory("hk-readme-blocks");
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files =
                javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            List<JavaFileObject> sources =
                    blocks.stream().map(ReadmeCodeBlocksTest::source).toList();
            List<String> options = List.of(
                    "-classpath",
                    classpath,
                    "-d",
                    out.toString(),
                    "-proc:none",
                    "-implicit:none",
                    "-Xlint:none",
                    "-nowarn");
            javac.getTask(null, files, diagnostics, options, null, sources).call();
        } finally {
            deleteTree(out);
        }
        return diagnostics.getDiagnostics().stream()
                .filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                .toList();
    }

    private static JavaFileObject source(Block b) {
        String path = b.source()
                .lines()
                .findFirst()
                .orElseThrow()
                .replace("package ", "")
                .replace(";", "")
                .replace('.', '/');
        return new SimpleJavaFileObject(
                URI.create("string:///" + path + "/" + b.className() + ".java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return b.source();
            }
        };
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
