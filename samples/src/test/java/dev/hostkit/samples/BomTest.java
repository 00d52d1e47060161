package dev.hostkit.samples;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * hostkit-bom has no parent, so nothing keeps it in step with the project but this: its version is the project's, its
 * Jackson is the root pom's {@code jackson.version}, it manages every library module and imports jackson-bom, and it
 * pins nothing else.
 */
class BomTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @Test
    void bomIsParentlessAndInStepWithTheProject() throws Exception {
        Element root = pom(ROOT.resolve("pom.xml"));
        Element bom = pom(ROOT.resolve("bom/pom.xml"));

        assertThat(child(bom, "parent"))
                .as("hostkit-bom must not inherit hostkit-parent")
                .isNull();
        assertThat(text(bom, "groupId")).isEqualTo(text(root, "groupId"));
        assertThat(text(bom, "version")).as("bom version = project version").isEqualTo(text(root, "version"));
        assertThat(text(child(bom, "properties"), "jackson.version"))
                .as("bom's Jackson = root pom's jackson.version")
                .isEqualTo(text(child(root, "properties"), "jackson.version"));
        assertThat(children(child(root, "modules"), "module")).contains("bom");
    }

    @Test
    void bomManagesEveryPublishedModuleAndJacksonOnly() throws Exception {
        Element bom = pom(ROOT.resolve("bom/pom.xml"));
        List<String> managed = new ArrayList<>();
        for (Element d : elements(child(child(bom, "dependencyManagement"), "dependencies"), "dependency")) {
            managed.add(text(d, "groupId") + ":" + text(d, "artifactId")
                    + (d.getElementsByTagName("scope").getLength() > 0 ? " (" + text(d, "scope") + ")" : ""));
        }
        List<String> modules = new ArrayList<>();
        for (String m : children(child(pom(ROOT.resolve("pom.xml")), "modules"), "module")) {
            String artifact = text(pom(ROOT.resolve(m).resolve("pom.xml")), "artifactId");
            if (!m.equals("bom")
                    && !m.equals("samples")
                    && !m.equals("benchmarks")
                    && Files.exists(ROOT.resolve(m).resolve("src/main"))) {
                modules.add("dev.hostkit:" + artifact);
            }
        }
        assertThat(modules).as("library modules").contains("dev.hostkit:hostkit-core", "dev.hostkit:hostkit-testkit");
        List<String> expected = new ArrayList<>(modules);
        expected.add("com.fasterxml.jackson:jackson-bom (import)");
        assertThat(managed).containsExactlyInAnyOrderElementsOf(expected);
    }

    private static Element pom(Path file) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document d = f.newDocumentBuilder().parse(file.toFile());
        return d.getDocumentElement();
    }

    private static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    private static String text(Element parent, String name) {
        Element e = child(parent, name);
        return e == null ? null : e.getTextContent().strip();
    }

    private static List<Element> elements(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        NodeList all = parent.getChildNodes();
        for (int i = 0; i < all.getLength(); i++) {
            if (all.item(i) instanceof Element e && e.getTagName().equals(name)) {
                out.add(e);
            }
        }
        return out;
    }

    private static List<String> children(Element parent, String name) {
        return elements(parent, name).stream()
                .map(e -> e.getTextContent().strip())
                .toList();
    }
}
