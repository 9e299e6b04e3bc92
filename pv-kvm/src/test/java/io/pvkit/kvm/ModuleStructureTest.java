package io.pvkit.kvm;

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

/** pv-kvm's shape: depends on pv-abi only, exports its API package only, restricted FFM calls in one class. */
class ModuleStructureTest {
    @Test
    void shouldRequirePvAbiOnlyAndExportOnlyTheApiPackage() {
        Module m = KvmVm.class.getModule();
        assertTrue(m.isNamed(), "pv-kvm runs as a named module in the build");
        ModuleDescriptor d = m.getDescriptor();
        assertEquals(Set.of("java.base", "io.pvkit.abi"),
                d.requires().stream().map(ModuleDescriptor.Requires::name).collect(Collectors.toSet()));
        assertEquals(Set.of("io.pvkit.kvm"), d.exports().stream().map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toSet()));
    }

    @Test
    void shouldKeepRestrictedMethodsInTheNativeClass() throws Exception {
        Path main = Path.of("src", "main", "java");
        List<String> offenders;
        try (Stream<Path> files = Files.walk(main)) {
            offenders = files.filter(f -> f.toString().endsWith(".java")).filter(f -> {
                try {
                    String text = Files.readString(f);
                    return text.contains(".reinterpret(") || text.contains("downcallHandle(")
                            || text.contains("upcallStub(") || text.contains("System.loadLibrary");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).map(f -> main.relativize(f).toString()).toList();
        }
        assertEquals(List.of("io/pvkit/kvm/internal/Native.java"), offenders);
    }
}
