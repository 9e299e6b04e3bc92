package io.pvkit.conformance.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The runner jar's entry point loads on any JVM: its class file is Java 8's, an old JVM gets a message naming
 * the Java it found and the one it needs (exit 4), and the version parsing is right.
 */
class RunnerLauncherTest {

    @Test
    void theLauncherIsAJava8ClassFile() throws IOException {
        try (InputStream in = RunnerLauncher.class.getResourceAsStream("RunnerLauncher.class");
             DataInputStream data = new DataInputStream(in)) {
            assertEquals(0xCAFEBABE, data.readInt());
            data.readUnsignedShort();
            assertEquals(52, data.readUnsignedShort(), "class file major version (52 = Java 8)");
        }
    }

    @Test
    void versionsParse() {
        assertEquals(8, RunnerLauncher.feature("1.8"));
        assertEquals(17, RunnerLauncher.feature("17"));
        assertEquals(25, RunnerLauncher.feature("25"));
        assertEquals(26, RunnerLauncher.feature("26-ea"));
        assertEquals(0, RunnerLauncher.feature("x"));
    }

    /** A JDK older than 25 on this machine (Debian's default 17 here), if there is one. */
    private static Optional<Path> oldJava() throws IOException {
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(jvms)) {
            return s.filter(p -> p.getFileName().toString().matches(".*-(8|11|17|21)(-.*)?"))
                    .map(p -> p.resolve("bin/java")).filter(Files::isExecutable).findFirst();
        }
    }

    @Test
    void anOldJavaGetsAClearMessageInsteadOfUnsupportedClassVersionError() throws Exception {
        Optional<Path> java = oldJava();
        assumeTrue(java.isPresent(), "no JDK older than 25 under /usr/lib/jvm");
        Path classes = Path.of(RunnerLauncher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Process p = new ProcessBuilder(List.of(java.get().toString(), "-cp", classes.toString(),
                "io.pvkit.conformance.runner.RunnerLauncher", "--help")).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the old JVM did not end");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(RunnerLauncher.TOO_OLD, p.exitValue(), out);
        assertTrue(out.contains("needs Java 25 or newer, but this is Java"), out);
        assertTrue(!out.contains("UnsupportedClassVersionError"), out);
    }
}
