package io.pvkit.conformance.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The path a third party takes, from a clean clone to a rule-by-rule report for their own
 * implementation in another Maven project, step by step as {@code conformance-tests/README.md}
 * ("Use the kit from your own project") writes it:
 * <ol>
 *   <li>clone pvkit (here: the committed HEAD of this repository) and run the README's install
 *       command, into a fresh local repository ({@code -Dmaven.repo.local}; artifacts already
 *       downloaded are read from {@code ~/.m2} through {@code -Dmaven.repo.local.tail}, so nothing is
 *       written there);</li>
 *   <li>check that exactly the published modules were installed, with sources and Javadoc jars, the
 *       BOM and the runner jar;</li>
 *   <li>build {@code src/it/third-party} (Acme's project: imports {@code pvkit-bom}, extends
 *       {@code HypercallAbiVerification}) with {@code mvn test};</li>
 *   <li>run the runner jar (copied by Acme's build) with JDK 25 on Acme's classes and check the report.</li>
 * </ol>
 * It takes several minutes, so it runs only on request:
 * <pre>
 * ./mvnw -B -pl conformance-tests -am -Dpvkit.stress.skip=true -Dpvkit.it.thirdParty=true \
 *        -Dtest=ThirdPartyPathIT -Dsurefire.failIfNoSpecifiedTests=false verify
 * </pre>
 * ({@code -Dpvkit.it.online=true} lets the inner builds use the network; by default they run offline.)
 */
@EnabledIfSystemProperty(named = "pvkit.it.thirdParty", matches = "true")
class ThirdPartyPathIT {

    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final String VERSION = "0.1.0-SNAPSHOT";
    private static final long MINUTES = 25;

    private record Result(int status, String output) {
    }

    private static Result run(Path dir, Path log, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        if (!p.waitFor(MINUTES, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("timed out after " + MINUTES + " min: " + command + "\n" + Files.readString(log));
        }
        return new Result(p.exitValue(), Files.readString(log));
    }

    private static List<String> maven(Path mvnw, Path localRepo, String... args) {
        List<String> cmd = new ArrayList<>(List.of(mvnw.toString(), "-B", "-Dmaven.repo.local=" + localRepo,
                "-Dmaven.repo.local.tail=" + Path.of(System.getProperty("user.home"), ".m2", "repository")));
        if (!Boolean.getBoolean("pvkit.it.online")) {
            cmd.add("-o");
        }
        cmd.addAll(List.of(args));
        return cmd;
    }

    @Test
    void aThirdPartyGetsARuleByRuleReportFromTheReadmeStepsAlone() throws Exception {
        Path work = Files.createDirectories(Path.of("target", "third-party-it").toAbsolutePath());
        try (Stream<Path> old = Files.walk(work)) {
            old.sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(work)).forEach(p -> p.toFile().delete());
        }
        Path clone = work.resolve("pvkit");
        Path localRepo = work.resolve("repository");
        String head = new String(new ProcessBuilder("git", "-C", REPO.toString(), "rev-parse", "HEAD").start()
                .getInputStream().readAllBytes()).strip();

        // 1. a clean clone, and the README's install step
        Result clone0 = run(work, work.resolve("clone.log"), List.of("git", "clone", "-q", "--no-checkout", REPO.toString(), clone.toString()));
        assertEquals(0, clone0.status(), clone0.output());
        Result checkout = run(clone, work.resolve("checkout.log"), List.of("git", "checkout", "-q", head));
        assertEquals(0, checkout.status(), checkout.output());
        long t0 = System.nanoTime();
        Result install = run(clone, work.resolve("install.log"), maven(clone.resolve("mvnw"), localRepo,
                "install", "-DskipTests", "-Dpvkit.stress.skip=true"));
        System.out.printf("third-party IT: install from a clean clone took %d s%n", (System.nanoTime() - t0) / 1_000_000_000L);
        assertEquals(0, install.status(), "install failed, see " + work.resolve("install.log"));

        // 2. exactly the published modules, with sources, Javadoc, the BOM and the runner
        Path pvkit = localRepo.resolve("io/pvkit");
        try (Stream<Path> dirs = Files.list(pvkit)) {
            assertEquals(List.of("conformance-tests", "pv-abi", "pv-events", "pv-grant", "pv-kvm", "pv-process", "pv-rings",
                    "pv-xenbus", "pvkit-bom", "pvkit-parent"),
                    dirs.map(p -> p.getFileName().toString()).sorted().toList(), "installed artifacts");
        }
        for (String module : List.of("pv-abi", "pv-rings", "pv-events", "pv-grant", "pv-xenbus", "conformance-tests")) {
            for (String suffix : List.of(".jar", "-sources.jar", "-javadoc.jar", ".pom")) {
                Path f = pvkit.resolve(module).resolve(VERSION).resolve(module + "-" + VERSION + suffix);
                assertTrue(Files.isRegularFile(f), "missing " + f);
            }
        }
        assertTrue(Files.isRegularFile(pvkit.resolve("conformance-tests/" + VERSION + "/conformance-tests-" + VERSION + "-runner.jar")));
        assertTrue(Files.isRegularFile(pvkit.resolve("pvkit-bom/" + VERSION + "/pvkit-bom-" + VERSION + ".pom")));

        // 3. Acme's own project, outside the pvkit tree
        Path acme = work.resolve("acme");
        copyTree(REPO.resolve("conformance-tests/src/it/third-party"), acme);
        t0 = System.nanoTime();
        Result test = run(acme, work.resolve("acme-test.log"), maven(clone.resolve("mvnw"), localRepo, "test"));
        System.out.printf("third-party IT: Acme's mvn test took %d s%n", (System.nanoTime() - t0) / 1_000_000_000L);
        assertEquals(0, test.status(), "Acme's build failed, see " + work.resolve("acme-test.log"));
        assertTrue(test.output().contains("Tests run:"), test.output());
        Path runner = acme.resolve("target/conformance-tests-runner.jar");
        assertTrue(Files.isRegularFile(runner), "Acme's build copies the runner jar");

        // 4. the runner, with JDK 25, on Acme's classes: a rule-by-rule report
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        Result report = run(acme, work.resolve("acme-runner.log"), List.of(javaBin.toString(), "-jar", runner.toString(),
                "--classpath", "target/test-classes" + java.io.File.pathSeparator + "target/classes",
                "--out", "target/conformance-report", "com.acme.AcmeHypercallConformanceTest"));
        System.out.println("third-party IT: runner exit " + report.status() + "\n" + report.output());
        for (String id : List.of("HC-01", "HC-02", "HC-03", "HC-04", "HC-05", "HC-06")) {
            assertTrue(report.output().lines().anyMatch(l -> l.startsWith(id + " ")), id + " row in\n" + report.output());
        }
        // Acme answers -ENOSYS to every xen_version string sub-op: HC-02's required check cannot run
        assertTrue(report.output().lines().anyMatch(l -> l.startsWith("HC-02") && l.contains("NOT_RUN")), report.output());
        assertTrue(report.status() == 1 || report.status() == 3, "a verdict, not 'nothing ran': " + report.status());
        assertFalse(report.output().contains("NOTHING RAN"), report.output());
        assertTrue(Files.readString(acme.resolve("target/conformance-report/conformance-report.md")).contains("[HC-02](RULES.md#hc-02)"));
        assertTrue(Files.isRegularFile(acme.resolve("target/conformance-report/TEST-pvkit-conformance-rules.xml")));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
