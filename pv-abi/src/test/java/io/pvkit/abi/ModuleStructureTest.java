package io.pvkit.abi;

import org.junit.jupiter.api.Test;

import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModuleStructureTest {
    private static ModuleDescriptor descriptor() {
        Module m = XenErrno.class.getModule();
        assertTrue(m.isNamed(), "pv-abi runs as a named module in the build");
        return m.getDescriptor();
    }

    @Test
    void shouldRequireNothingButJavaBase() {
        Set<String> requires = descriptor().requires().stream().map(ModuleDescriptor.Requires::name)
                .collect(Collectors.toSet());
        assertEquals(Set.of("java.base"), requires);
    }

    @Test
    void shouldExportEveryApiPackageAndNoInternalOne() throws Exception {
        Set<String> exported = descriptor().exports().stream().map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toSet());
        // the packages of the main classes (test classes are patched into the module at test time)
        Path root = Path.of(XenErrno.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Set<String> mainPackages;
        try (Stream<Path> files = Files.walk(root)) {
            mainPackages = files.filter(f -> f.toString().endsWith(".class") && !f.endsWith("module-info.class"))
                    .map(f -> root.relativize(f.getParent()).toString().replace(root.getFileSystem().getSeparator(), "."))
                    .collect(Collectors.toSet());
        }
        assertTrue(mainPackages.size() >= 11, mainPackages.toString());
        for (String p : mainPackages) {
            assertEquals(!p.contains(".internal"), exported.contains(p), p);
        }
        assertTrue(exported.containsAll(Set.of("io.pvkit.abi", "io.pvkit.abi.evtchn", "io.pvkit.abi.grant",
                "io.pvkit.abi.platform", "io.pvkit.abi.xenstore", "io.pvkit.abi.blkif", "io.pvkit.abi.console",
                "io.pvkit.abi.hypercall", "io.pvkit.abi.spi", "io.pvkit.abi.memory", "io.pvkit.abi.ring")));
    }
}
