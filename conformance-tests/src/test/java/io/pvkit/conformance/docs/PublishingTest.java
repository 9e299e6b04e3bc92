package io.pvkit.conformance.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What pvkit publishes: the BOM pins exactly the published modules at the parent's version, and every
 * other module skips install and deploy (so {@code ./mvnw install} puts only what the READMEs call
 * published into a local repository).
 */
class PublishingTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Set<String> PUBLISHED = Set.of("pv-abi", "pv-rings", "pv-events", "pv-grant", "pv-xenbus",
            "pv-kvm", "pv-process",
            "conformance-tests");
    private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");

    private static String pom(String module) throws IOException {
        return Files.readString(ROOT.resolve(module).resolve("pom.xml"));
    }

    private static String firstVersion(String pom) {
        Matcher m = Pattern.compile("<artifactId>(pvkit-parent|pvkit-bom)</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        assertTrue(m.find(), "no version");
        return m.group(2);
    }

    @Test
    void shouldPinExactlyThePublishedModulesInTheBomAtTheParentsVersion() throws IOException {
        String root = Files.readString(ROOT.resolve("pom.xml"));
        String bom = pom("pvkit-bom");
        assertEquals(firstVersion(root), firstVersion(bom), "pvkit-bom's version must equal pvkit-parent's");
        assertTrue(!bom.contains("<parent>"), "the BOM has no parent (importing it must not import the build's own management)");
        Set<String> pinned = new TreeSet<>();
        Matcher m = Pattern.compile("<artifactId>([^<]+)</artifactId>\\s*<version>\\$\\{project.version}</version>").matcher(bom);
        while (m.find()) {
            pinned.add(m.group(1));
        }
        assertEquals(new TreeSet<>(PUBLISHED), pinned);
        assertTrue(bom.contains("<classifier>runner</classifier>"), "the runner jar is pinned too");
    }

    @Test
    void shouldSkipInstallAndDeployOfEveryUnpublishedModule() throws IOException {
        String root = Files.readString(ROOT.resolve("pom.xml"));
        List<String> modules = new ArrayList<>();
        Matcher m = MODULE.matcher(root);
        while (m.find()) {
            modules.add(m.group(1));
        }
        assertTrue(modules.containsAll(PUBLISHED) && modules.contains("pvkit-bom"), modules.toString());
        for (String module : modules) {
            String pom = pom(module);
            boolean skips = pom.contains("<maven.install.skip>true</maven.install.skip>")
                    && pom.contains("<maven.deploy.skip>true</maven.deploy.skip>");
            boolean published = PUBLISHED.contains(module) || module.equals("pvkit-bom");
            assertEquals(!published, skips, module + (published ? " is published but skips install" : " is not published but installs"));
        }
    }

    @Test
    void shouldAttachTheRunnerWithAClassifier() throws IOException {
        String pom = pom("conformance-tests");
        assertTrue(pom.contains("<shadedArtifactAttached>true</shadedArtifactAttached>"), "runner attached");
        assertTrue(pom.contains("<shadedClassifierName>runner</shadedClassifierName>"), "classifier runner");
    }
}
