package io.pvkit.hypervisor.dom0;

import io.pvkit.hypervisor.Hypervisor;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.constantpool.Utf8Entry;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Domain 0's services are domain code: their class files may name pv-abi, pv-rings, the guest side of
 * pv-events and their own package, never the hypervisor core, its internals, or the hypervisor side of
 * pv-events and pv-grant. Checked on every class name and descriptor in the constant pools.
 */
class Dom0IsolationTest {
    /** Anything of the core or the libraries' hypervisor sides. */
    private static final Pattern FORBIDDEN = Pattern.compile(
            "io/pvkit/hypervisor/(?!dom0/)\\w|io/pvkit/events/(?!UpcallDemultiplexer|EventHandler)\\w|io/pvkit/grant/\\w");

    private static Path classesOf(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    static List<String> violations(Path classFile) throws IOException {
        ClassModel model = ClassFile.of().parse(Files.readAllBytes(classFile));
        List<String> found = new ArrayList<>();
        for (PoolEntry e : model.constantPool()) {
            if (e instanceof Utf8Entry u && FORBIDDEN.matcher(u.stringValue()).find()) {
                found.add(model.thisClass().asInternalName() + " names " + u.stringValue());
            }
        }
        return found;
    }

    @Test
    void shouldNotReferToTheCoreFromDomain0() throws Exception {
        Path dir = classesOf(Domain0.class).resolve("io/pvkit/hypervisor/dom0");
        List<Path> classes;
        try (Stream<Path> s = Files.walk(dir)) { // dom0 and its subpackages (xenstored)
            classes = s.filter(p -> p.toString().endsWith(".class")).toList();
        }
        assertTrue(classes.size() >= 8, "found the dom0 classes in " + dir + ": " + classes);
        assertTrue(classes.stream().anyMatch(c -> c.toString().contains("xenstore")), "xenstored's classes are checked");
        List<String> all = new ArrayList<>();
        for (Path c : classes) {
            all.addAll(violations(c));
        }
        assertEquals(List.of(), all);
    }

    @Test
    void shouldDetectAReferenceToTheCore() throws Exception {
        // the checker itself can fail: the core's Hypervisor class names internals and pv-grant
        Path hv = classesOf(Hypervisor.class).resolve("io/pvkit/hypervisor/Hypervisor.class");
        assertFalse(violations(hv).isEmpty());
    }
}
