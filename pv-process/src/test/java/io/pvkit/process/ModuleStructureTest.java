package io.pvkit.process;

import org.junit.jupiter.api.Test;

import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModuleStructureTest {
    @Test
    void shouldRequirePvAbiOnlyAndExportOnlyTheApiPackage() {
        Module m = SealedGuestMemory.class.getModule();
        assertTrue(m.isNamed());
        ModuleDescriptor d = m.getDescriptor();
        assertEquals("io.pvkit.process", d.name());
        assertEquals(Set.of("java.base", "io.pvkit.abi"),
                d.requires().stream().map(ModuleDescriptor.Requires::name).collect(Collectors.toSet()));
        assertEquals(Set.of("io.pvkit.process"),
                d.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()));
    }

    /** RESTRICTED methods (downcalls, reinterpret) are called from io.pvkit.process.internal.Native only. */
    @Test
    void shouldCallRestrictedMethodsOnlyInTheInternalNativeClass() throws Exception {
        Path src = CTools.moduleDir().resolve("src/main/java");
        try (Stream<Path> files = Files.walk(src)) {
            List<String> offenders = files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> !f.endsWith(Path.of("io/pvkit/process/internal/Native.java")))
                    .filter(f -> {
                        try {
                            String text = Files.readString(f);
                            return text.contains("downcallHandle") || text.contains(".reinterpret(")
                                    || text.contains("SymbolLookup") || text.contains("System.load");
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }).map(Path::toString).toList();
            assertEquals(List.of(), offenders);
        }
    }
}
