package io.pvkit.kvm;

import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.GuestMemoryFault;
import io.pvkit.abi.spi.GuestAddressTranslator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static io.pvkit.abi.spi.GuestAddressTranslator.INVALID;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The 4-level page walk over real guest memory: mappings, large pages, every refusal, hostile tables. */
class GuestPageWalkTest {
    private static final long PML4 = 0x1000;
    private final GuestMemory memory = GuestMemory.allocate(1024);   // 4 MiB
    private long nextTable = 0x2000;

    @AfterEach
    void close() {
        memory.close();
    }

    /** Maps one 4 KiB page, allocating tables from 0x2000 up. */
    private void map4k(long va, long gpa) {
        long table = PML4;
        for (int level = 4; level >= 2; level--) {
            long entryAt = table + ((va >>> (12 + 9 * (level - 1))) & 0x1FF) * 8;
            long entry = memory.getLong(entryAt);
            if ((entry & 1) == 0) {
                entry = nextTable | 0x3;
                nextTable += 0x1000;
                memory.setLong(entryAt, entry);
            }
            table = entry & GuestPageWalk.PTE_ADDRESS_MASK;
        }
        memory.setLong(table + ((va >>> 12) & 0x1FF) * 8, gpa | 0x3);
    }

    private GuestPageWalk walk() {
        return new GuestPageWalk(memory, PML4);
    }

    @Test
    void shouldTranslateA4KibMappingWithItsOffset() {
        map4k(0x7f12_3456_7000L, 0x30_0000);
        assertEquals(0x30_0abcL, walk().translate(0x7f12_3456_7abcL));
        assertEquals(0x30_0abcL, walk().toGuestPhysical(0x7f12_3456_7abcL, 16));
    }

    @Test
    void shouldTranslateAHigherHalfAddress() {
        map4k(0xffff_8000_0000_0000L, 0x20_0000);
        assertEquals(0x20_0008L, walk().translate(0xffff_8000_0000_0008L));
    }

    @Test
    void shouldRefuseNonPresentAndNonCanonicalAddresses() {
        map4k(0x40_0000, 0x30_0000);
        assertEquals(INVALID, walk().translate(0x40_1000));            // PT entry not present
        assertEquals(INVALID, walk().translate(0x80_0000_0000L));       // PML4 entry not present
        assertEquals(INVALID, walk().translate(0x0000_8000_0000_0000L)); // non-canonical
        assertEquals(INVALID, walk().translate(0x8000_0000_0040_0000L));
    }

    @Test
    void shouldFollowTwoMibAndOneGibPages() {
        memory.setLong(PML4, 0x2000 | 0x3);
        memory.setLong(0x2000, 0x3000 | 0x3);                 // PDPT[0] -> PD
        memory.setLong(0x3000 + 8, 0x20_0000 | 0x83);         // PD[1]: 2 MiB page at 2 MiB
        assertEquals(0x2f_1234L, walk().translate(0x2f_1234));
        memory.setLong(0x2000 + 8, 0x83);                      // PDPT[1]: 1 GiB page at 0
        assertEquals(0x12_3456L, walk().translate(0x4012_3456L));
        assertEquals(INVALID, walk().translate(0x4100_0000L)); // inside the 1 GiB page, beyond 4 MiB of memory
        memory.setLong(PML4 + 8, 0x83);                        // PS in a PML4 entry is reserved
        assertEquals(INVALID, walk().translate(0x80_0000_0000L));
    }

    @Test
    void shouldRequireARangeToBePhysicallyContiguous() {
        map4k(0x40_0000, 0x30_0000);
        map4k(0x40_1000, 0x30_1000);
        map4k(0x40_2000, 0x20_0000);
        assertEquals(0x30_0ff0L, walk().toGuestPhysical(0x40_0ff0, 0x20));      // crosses into the next page
        assertEquals(INVALID, walk().toGuestPhysical(0x40_1ff0, 0x20));          // next page is elsewhere
        assertEquals(INVALID, walk().toGuestPhysical(0x40_2ff0, 0x20));          // next page unmapped
        assertEquals(0x30_1000L, walk().toGuestPhysical(0x40_1000, 0x1000));     // exactly one page
    }

    @Test
    void shouldRefuseHostileLengthsAndTablesOutsideMemory() {
        map4k(0x40_0000, 0x30_0000);
        assertEquals(INVALID, walk().toGuestPhysical(0x40_0000, -1));
        assertEquals(INVALID, walk().toGuestPhysical(0x40_0000, Long.MAX_VALUE));
        assertEquals(INVALID, walk().toGuestPhysical(0x40_0000, memory.byteSize() + 1));
        assertEquals(INVALID, walk().toGuestPhysical(-16, 64));                   // wraps past 2^64
        memory.setLong(PML4 + 8 * 3, 0x7fff_f000L | 0x3);                          // table beyond memory
        assertEquals(INVALID, walk().translate(3L << 39));
        assertEquals(INVALID, new GuestPageWalk(memory, 0x10_0000_0000L).translate(0));   // CR3 beyond memory
    }

    @Test
    void shouldStopAfterFourLevelsOnAPageTableLoop() {
        memory.setLong(PML4, PML4 | 0x3);   // PML4[0] points at the PML4 itself: every level reads the same table
        assertEquals(PML4 + 0x123, walk().translate(0x123));   // a recursive mapping, as the hardware sees it
        memory.setLong(PML4, PML4 | 0x83);  // PS set in a PML4 entry is reserved: refused
        assertEquals(INVALID, walk().translate(0x123));
    }

    @Test
    void shouldChooseTheTranslatorFromTheCpuState() {
        assertSame(GuestAddressTranslator.IDENTITY, GuestPageWalk.forCpuState(memory, 0x11, 0, 0, 0));
        GuestAddressTranslator longMode = GuestPageWalk.forCpuState(memory, 0x8000_0011L, PML4, 0x20, 0x500);
        map4k(0x40_0000, 0x30_0000);
        assertEquals(0x30_0000L, longMode.toGuestPhysical(0x40_0000, 8));
        GuestAddressTranslator legacy = GuestPageWalk.forCpuState(memory, 0x8000_0011L, PML4, 0, 0);
        assertEquals(INVALID, legacy.toGuestPhysical(0x40_0000, 8));
    }

    @Test
    void shouldServeHypercallContextCopiesThroughTheWalk() {
        map4k(0x7000_0000_0000L, 0x30_0000);
        byte[] text = "hello".getBytes(StandardCharsets.US_ASCII);
        memory.write(0x30_0010, text, 0, text.length);
        HypercallContext ctx = new HypercallContext(1, 0, false, memory, walk());
        assertArrayEquals(text, ctx.readBytes(0x7000_0000_0010L, text.length));
        assertThrows(GuestMemoryFault.class, () -> ctx.readBytes(0x7000_0000_1000L, 4));   // unmapped page
        assertThrows(GuestMemoryFault.class, () -> ctx.readBytes(0x30_0010, 4));            // a physical address is not virtual
    }
}
