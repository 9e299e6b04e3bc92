package io.pvkit.conformance;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The kit depends only on the library modules and JUnit, never on the reference implementations. */
class ModuleDependenciesTest {

    @Test
    void shouldNotDependOnReferenceModules() throws IOException {
        String pom = Files.readString(Path.of("pom.xml"));
        String moduleInfo = Files.readString(Path.of("src/main/java/module-info.java"));
        assertFalse(pom.contains("<artifactId>reference-"), "conformance-tests/pom.xml names a reference module");
        assertFalse(moduleInfo.contains("io.pvkit.hypervisor") || moduleInfo.contains("io.pvkit.guest"),
                "module-info requires a reference module");
        assertTrue(moduleInfo.contains("requires transitive io.pvkit.abi;"));
    }
}
