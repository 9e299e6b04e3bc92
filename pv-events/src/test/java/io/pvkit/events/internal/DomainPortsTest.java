package io.pvkit.events.internal;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.events.spi.VcpuKicker;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link DomainPorts}' count of ports per state and its description for logs and debuggers. */
class DomainPortsTest {
    @Test
    void countsPortsPerStateAndDescribesTheTable() {
        try (GuestMemory mem = GuestMemory.allocate(2)) {
            DomainPorts d = new DomainPorts(7, false, 1, 64, new SharedInfoBits(mem, 1, 1), VcpuKicker.POLLING);
            assertEquals(63, d.countInState(DomainPorts.FREE));
            assertEquals(1, d.countInState(DomainPorts.RESERVED), "port 0");
            assertEquals("DomainPorts[dom7, limit 64, used 1]", d.toString());
            d.publish(1, DomainPorts.IPI);
            d.publish(2, DomainPorts.IPI);
            d.publish(63, DomainPorts.UNBOUND);
            assertEquals(2, d.countInState(DomainPorts.IPI));
            assertEquals(1, d.countInState(DomainPorts.UNBOUND));
            assertEquals(0, d.countInState(DomainPorts.VIRQ));
            assertEquals(60, d.countInState(DomainPorts.FREE));
            assertEquals("DomainPorts[dom7, limit 64, used 4]", d.toString());
            d.alive = false;
            assertEquals("DomainPorts[dom7, limit 64, used 4] dead", d.toString());
        }
    }
}
