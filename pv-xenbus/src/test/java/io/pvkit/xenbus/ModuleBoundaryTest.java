package io.pvkit.xenbus;

import org.junit.jupiter.api.Test;

import java.lang.module.ModuleDescriptor;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** pv-xenbus depends on pv-abi and pv-rings only, and exports its API and SPI packages only. */
class ModuleBoundaryTest {

    @Test
    void shouldRequireOnlyPvAbiAndPvRings() {
        ModuleDescriptor d = XenbusClient.class.getModule().getDescriptor();
        Set<String> requires = d.requires().stream().map(ModuleDescriptor.Requires::name)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of("java.base", "io.pvkit.abi", "io.pvkit.rings"), requires);
        assertEquals(Set.of("io.pvkit.xenbus", "io.pvkit.xenbus.spi"),
                d.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()));
    }

    @Test
    void shouldParseAndPrintPermissionsAndRejectMalformedOnes() {
        assertEquals(new XsPermission(XsPermission.Access.BOTH, 65535), XsPermission.parse("b65535"));
        assertEquals("r7", new XsPermission(XsPermission.Access.READ, 7).text());
        for (String bad : new String[] {"", "r", "x1", "r65536", "r-1", "r1a", "r1234567"}) {
            assertEquals(null, XsPermission.parse(bad), bad);
        }
    }

    @Test
    void shouldLayOutTheToolstacksPaths() {
        assertEquals("/local/domain/3/device/vbd/51712", XenbusKeys.frontendPath(3, "vbd", 51712));
        assertEquals("/local/domain/0/backend/vbd/3/51712", XenbusKeys.backendPath(0, "vbd", 3, 51712));
    }
}
