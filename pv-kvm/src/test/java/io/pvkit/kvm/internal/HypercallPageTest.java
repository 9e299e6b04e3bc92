package io.pvkit.kvm.internal;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hypercall page's stubs, decoded by a real disassembler (objdump). */
class HypercallPageTest {
    @Test
    void shouldDisassembleToMovOutRetPerOp() throws Exception {
        Gcc.require(List.of("objdump"), List.of());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(4096);
            HypercallPage.fill(page);
            Path bin = Path.of("target", "hypercall-page.bin").toAbsolutePath();
            Files.createDirectories(bin.getParent());
            Files.write(bin, page.toArray(JAVA_BYTE));
            String asm = Gcc.run(List.of("objdump", "-D", "-b", "binary", "-m", "i386:x86-64", bin.toString()));
            // stub 18 (console_io) at 0x240 and stub 29 (sched_op) at 0x3a0
            assertTrue(asm.matches("(?s).*\\n\\s+240:\\s+b8 12 00 00 00\\s+mov\\s+\\$0x12,%eax\\s*\\n\\s+245:\\s+e7 ea\\s+out\\s+%eax,\\$0xea\\s*\\n\\s+247:\\s+c3\\s+ret.*"),
                    asm.substring(asm.indexOf("240:") - 2, asm.indexOf("240:") + 120));
            assertTrue(asm.matches("(?s).*\\n\\s+3a0:\\s+b8 1d 00 00 00\\s+mov\\s+\\$0x1d,%eax.*"));
            assertTrue(asm.matches("(?s).*\\n\\s+2e0:\\s+0f 0b\\s+ud2.*"), "iret (23) is ud2 as in Xen's HVM page");
        }
    }

    @Test
    void shouldFillEveryStubAndPadWithInt3() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(4096);
            HypercallPage.fill(page);
            for (int op = 0; op < HypercallPage.STUBS; op++) {
                long at = op * 32L;
                if (op != HypercallPage.IRET) {
                    assertEquals((byte) 0xB8, page.get(JAVA_BYTE, at));
                    assertEquals((byte) op, page.get(JAVA_BYTE, at + 1));
                    assertEquals((byte) 0xC3, page.get(JAVA_BYTE, at + 7));
                }
                assertEquals((byte) 0xCC, page.get(JAVA_BYTE, at + 31));
            }
            assertThrows(IllegalArgumentException.class, () -> HypercallPage.fill(arena.allocate(100)));
        }
    }
}
