package io.pvkit.kvm.internal;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The guest's CPUID table: Xen's leaves replace the host's hypervisor range. */
class XenCpuidTest {
    @Test
    void shouldReplaceTheHypervisorRangeWithXensLeaves() {
        List<XenCpuid.Leaf> host = List.of(new XenCpuid.Leaf(0, 0, 0, 0xd, 1, 2, 3),
                new XenCpuid.Leaf(1, 0, 0, 0x806f8, 0, 0x7ffa3203, 0),
                new XenCpuid.Leaf(0x40000000, 0, 0, 0x40000001, 0x4b4d564b, 0x564b4d56, 0x4d),   // "KVMKVMKVM"
                new XenCpuid.Leaf(0x40000001, 0, 0, 0x1, 0, 0, 0),
                new XenCpuid.Leaf(0x80000000, 0, 0, 0x80000008, 0, 0, 0));
        List<XenCpuid.Leaf> guest = XenCpuid.guestTable(host, 4 << 16 | 14);
        assertEquals(6, guest.size());
        assertEquals(0xfffa3203, guest.get(1).ecx(), "leaf 1 says a hypervisor is present");
        assertEquals(0x80000000, guest.get(2).function());
        XenCpuid.Leaf sig = guest.get(3);
        String signature = new String(ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(sig.ebx()).putInt(sig.ecx()).putInt(sig.edx()).array(), StandardCharsets.US_ASCII);
        assertEquals("XenVMMXenVMM", signature);
        assertEquals(0x40000002, sig.eax());
        assertEquals(0x0004000e, guest.get(4).eax());
        assertEquals(new XenCpuid.Leaf(0x40000002, 0, 0, 1, 0x40000000, 0, 0), guest.get(5));
    }

    @Test
    void shouldRoundTripThroughAKvmCpuid2Buffer() {
        List<XenCpuid.Leaf> leaves = XenCpuid.guestTable(List.of(new XenCpuid.Leaf(7, 1, 1, 2, 3, 4, 5)), 0x40011);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(8 + 40L * leaves.size());
            XenCpuid.write(leaves, buf);
            assertEquals(leaves.size(), buf.get(java.lang.foreign.ValueLayout.JAVA_INT, 0));
            assertEquals(leaves, XenCpuid.read(buf.asSlice(8), leaves.size()));
        }
    }
}
