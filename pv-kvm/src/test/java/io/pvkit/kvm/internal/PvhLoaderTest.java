package io.pvkit.kvm.internal;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.kvm.HvmMemmapTableEntryLayout;
import io.pvkit.kvm.HvmStartInfoLayout;
import io.pvkit.kvm.KvmException;
import io.pvkit.kvm.PvhBoot;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The PVH loader on the gcc-built hello guest and on damaged copies of it. */
class PvhLoaderTest {
    private static Path elf;
    private static byte[] image;

    @BeforeAll
    static void build() throws Exception {
        elf = TestGuests.build("hello");
        image = Files.readAllBytes(elf);
    }

    @Test
    void shouldLoadTheTestGuestsAndWriteItsStartInfo() throws Exception {
        try (GuestMemory memory = GuestMemory.allocate(4096)) {
            PvhBoot boot = PvhLoader.load(image, memory, "console=hvc0 pvkit");
            assertEquals(TestGuests.symbol(elf, "pvh_start"), boot.entry());
            assertEquals(0x100000, boot.imageStart());
            long bssEnd = TestGuests.symbol(elf, "stack_top");
            assertTrue(boot.imageEnd() >= bssEnd, "the image covers the bss");
            assertEquals((boot.imageEnd() + 4095) & -4096, boot.startInfoGpa());
            byte[] text = new byte[16];
            memory.read(0x100000, text, 0, 16);
            assertArrayEquals(Arrays.copyOfRange(image, 0x1000, 0x1010), text, "first PT_LOAD at its paddr");
            long si = boot.startInfoGpa();
            assertEquals(HvmStartInfoLayout.XEN_HVM_START_MAGIC_VALUE, memory.getInt(si + HvmStartInfoLayout.MAGIC_OFFSET));
            assertEquals(1, memory.getInt(si + HvmStartInfoLayout.VERSION_OFFSET));
            assertEquals(1, memory.getInt(si + HvmStartInfoLayout.MEMMAP_ENTRIES_OFFSET));
            long memmap = memory.getLong(si + HvmStartInfoLayout.MEMMAP_PADDR_OFFSET);
            assertEquals(0, memory.getLong(memmap + HvmMemmapTableEntryLayout.ADDR_OFFSET));
            assertEquals(16L << 20, memory.getLong(memmap + HvmMemmapTableEntryLayout.SIZE_OFFSET));
            assertEquals(1, memory.getInt(memmap + HvmMemmapTableEntryLayout.TYPE_OFFSET));
            long cmdline = memory.getLong(si + HvmStartInfoLayout.CMDLINE_PADDR_OFFSET);
            byte[] cmd = new byte[19];
            memory.read(cmdline, cmd, 0, cmd.length);
            assertEquals("console=hvc0 pvkit\0", new String(cmd, StandardCharsets.US_ASCII));
            assertEquals(0, memory.getLong(TestGuests.symbol(elf, "hypercall_page")), "bss is zeroed");
        }
    }

    @Test
    void shouldBuildEveryTestGuestAsAPvhKernel() throws Exception {
        for (String name : new String[] {"hello", "hostile", "spin", "upcall", "roundtrip", "events"}) {
            Path guest = TestGuests.build(name);
            try (GuestMemory memory = GuestMemory.allocate(4096)) {
                PvhBoot boot = PvhLoader.load(Files.readAllBytes(guest), memory, "");
                assertEquals(TestGuests.symbol(guest, "pvh_start"), boot.entry(), name);
                assertEquals(0, memory.getLong(boot.startInfoGpa() + HvmStartInfoLayout.CMDLINE_PADDR_OFFSET), name);
            }
        }
    }

    @Test
    void shouldRefuseImagesThatDoNotFitOrAreDamaged() {
        try (GuestMemory small = GuestMemory.allocate(256); GuestMemory memory = GuestMemory.allocate(4096)) {
            assertTrue(assertThrows(KvmException.class, () -> PvhLoader.load(image, small, ""))
                    .getMessage().contains("does not fit"));
            assertThrows(KvmException.class, () -> PvhLoader.load(Arrays.copyOf(image, 40), memory, ""));
            byte[] notElf = image.clone();
            notElf[0] = 0;
            assertTrue(assertThrows(KvmException.class, () -> PvhLoader.load(notElf, memory, ""))
                    .getMessage().contains("not an ELF"));
            // the note's type 18 -> 19: no PVH entry
            byte[] noNote = image.clone();
            int note = noteOffset(image);
            ByteBuffer.wrap(noNote).order(ByteOrder.LITTLE_ENDIAN).putInt(note + 8, 19);
            assertTrue(assertThrows(KvmException.class, () -> PvhLoader.load(noNote, memory, ""))
                    .getMessage().contains("no XEN_ELFNOTE_PHYS32_ENTRY"));
            // a descsz that runs past the note segment
            byte[] longNote = image.clone();
            ByteBuffer.wrap(longNote).order(ByteOrder.LITTLE_ENDIAN).putInt(note + 4, 0x7fff_fff0);
            assertTrue(assertThrows(KvmException.class, () -> PvhLoader.load(longNote, memory, ""))
                    .getMessage().contains("runs past"));
            // a program header count beyond the file
            byte[] manyHeaders = image.clone();
            ByteBuffer.wrap(manyHeaders).order(ByteOrder.LITTLE_ENDIAN).putShort(56, (short) 60);
            assertThrows(KvmException.class, () -> PvhLoader.load(Arrays.copyOf(manyHeaders, 200), memory, ""));
            assertThrows(KvmException.class, () -> PvhLoader.load(image, memory, "x".repeat(3000)));
        }
    }

    /** File offset of the first note (the PT_NOTE program header's p_offset). */
    private static int noteOffset(byte[] elfBytes) {
        ByteBuffer b = ByteBuffer.wrap(elfBytes).order(ByteOrder.LITTLE_ENDIAN);
        long phoff = b.getLong(32);
        for (int i = 0; i < b.getShort(56); i++) {
            int at = (int) (phoff + 56L * i);
            if (b.getInt(at) == 4) {
                return (int) b.getLong(at + 8);
            }
        }
        throw new IllegalStateException("no PT_NOTE");
    }
}
