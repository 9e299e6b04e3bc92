package io.pvkit.kvm.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Builds pv-kvm's test guests ({@code src/test/c/guests}: entry.S + NAME.c) with gcc into {@code target/guests}. */
public final class TestGuests {
    private static final Path DIR = Path.of("src", "test", "c", "guests");

    private TestGuests() {
    }

    /**
     * Builds a guest (skips or, with CI=true, fails when gcc or Xen's headers are missing).
     *
     * @param name the guest ({@code hello}, {@code hostile}, {@code spin})
     * @return the ELF file
     * @throws IOException when gcc cannot start
     * @throws InterruptedException when interrupted
     */
    public static Path build(String name) throws IOException, InterruptedException {
        Gcc.require(List.of("gcc"), List.of(Path.of("/usr/include/xen/xen.h")));
        Path elf = Path.of("target", "guests", name + ".elf").toAbsolutePath();
        Files.createDirectories(elf.getParent());
        Gcc.run(List.of("gcc", "-m64", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O2", "-ffreestanding",
                "-fno-builtin", "-fno-pic", "-no-pie", "-nostdlib", "-static", "-mno-red-zone", "-mgeneral-regs-only",
                "-fno-stack-protector", "-fcf-protection=none", "-fno-asynchronous-unwind-tables",
                "-Wl,--build-id=none", "-T", DIR.resolve("guest.ld").toAbsolutePath().toString(),
                "-o", elf.toString(), DIR.resolve("entry.S").toAbsolutePath().toString(),
                DIR.resolve(name + ".c").toAbsolutePath().toString()));
        return elf;
    }

    /**
     * The address of a symbol of a built guest, from {@code nm}.
     *
     * @param elf the guest
     * @param symbol the symbol
     * @return its address
     * @throws IOException when nm cannot start
     * @throws InterruptedException when interrupted
     */
    public static long symbol(Path elf, String symbol) throws IOException, InterruptedException {
        for (String line : Gcc.run(List.of("nm", elf.toString())).lines().toList()) {
            String[] p = line.trim().split("\\s+");
            if (p.length == 3 && p[2].equals(symbol)) {
                return Long.parseUnsignedLong(p[0], 16);
            }
        }
        throw new IllegalStateException(symbol + " not in " + elf);
    }
}
