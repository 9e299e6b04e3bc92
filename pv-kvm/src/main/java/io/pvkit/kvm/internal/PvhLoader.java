package io.pvkit.kvm.internal;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.kvm.HvmMemmapTableEntryLayout;
import io.pvkit.kvm.HvmStartInfoLayout;
import io.pvkit.kvm.KvmException;
import io.pvkit.kvm.PvhBoot;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Loads an x86_64 ELF kernel for Xen's PVH boot ({@code docs/misc/pvh.pandoc}): copies its
 * {@code PT_LOAD} segments to their physical addresses, finds the {@code XEN_ELFNOTE_PHYS32_ENTRY} note in
 * a {@code PT_NOTE} segment, and writes an {@code hvm_start_info} (version 1, one RAM memory-map entry
 * covering the guest's memory, the command line) into the first page after the image.
 *
 * <p>The image is the VMM user's input, but every number in it is checked before use: header fields,
 * segment bounds in the file and in guest memory, note sizes. Anything outside is a {@link KvmException}
 * naming the problem.
 */
public final class PvhLoader {
    /** {@code XEN_ELFNOTE_PHYS32_ENTRY} ({@code xen/elfnote.h}). */
    public static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;
    private static final int PT_LOAD = 1;
    private static final int PT_NOTE = 4;
    private static final int EM_X86_64 = 62;
    private static final int MAX_PHDRS = 64;
    private static final long FOUR_GIB = 1L << 32;

    private PvhLoader() {
    }

    /**
     * Loads the image into {@code memory}.
     *
     * @param elf the kernel file's bytes
     * @param memory the guest's memory (zeroed where the image goes)
     * @param cmdline the kernel command line (ASCII, at most 2048 bytes)
     * @return where everything went
     * @throws KvmException when the image is not a loadable x86_64 PVH ELF or does not fit
     */
    public static PvhBoot load(byte[] elf, GuestMemory memory, String cmdline) {
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        if (elf.length < 64 || b.getInt(0) != 0x464c457f) {
            throw new KvmException("not an ELF file");
        }
        if (elf[4] != 2 || elf[5] != 1 || b.getShort(18) != EM_X86_64) {
            throw new KvmException("not a little-endian ELF64 x86_64 image (class " + elf[4] + ", data " + elf[5]
                    + ", machine " + b.getShort(18) + ")");
        }
        long phoff = b.getLong(32);
        int phentsize = Short.toUnsignedInt(b.getShort(54));
        int phnum = Short.toUnsignedInt(b.getShort(56));
        if (phentsize != 56 || phnum == 0 || phnum > MAX_PHDRS || phoff < 0
                || phoff + (long) phnum * phentsize > elf.length) {
            throw new KvmException("bad ELF program headers (offset " + phoff + ", " + phnum + " of " + phentsize
                    + " bytes)");
        }
        long lo = Long.MAX_VALUE;
        long hi = 0;
        long entry = -1;
        for (int i = 0; i < phnum; i++) {
            int at = (int) (phoff + (long) i * phentsize);
            int type = b.getInt(at);
            long offset = b.getLong(at + 8);
            long paddr = b.getLong(at + 24);
            long filesz = b.getLong(at + 32);
            long memsz = b.getLong(at + 40);
            if (type != PT_LOAD && type != PT_NOTE) {
                continue;
            }
            if (offset < 0 || filesz < 0 || offset > elf.length || filesz > elf.length - offset) {
                throw new KvmException("ELF segment " + i + " lies outside the file");
            }
            if (type == PT_NOTE) {
                long found = phys32Entry(b, (int) offset, (int) filesz);
                if (found >= 0) {
                    entry = found;
                }
                continue;
            }
            if (memsz < filesz || paddr < 0 || !memory.contains(paddr, memsz)) {
                throw new KvmException("ELF segment " + i + " [0x" + Long.toHexString(paddr) + ", +0x"
                        + Long.toHexString(memsz) + ") does not fit the guest's " + memory.byteSize() + " bytes");
            }
            memory.copyIn(MemorySegment.ofArray(elf), offset, paddr, filesz);
            memory.fill(paddr + filesz, memsz - filesz, (byte) 0);
            lo = Math.min(lo, paddr);
            hi = Math.max(hi, paddr + memsz);
        }
        if (hi == 0) {
            throw new KvmException("the ELF image has no PT_LOAD segment");
        }
        if (entry < 0) {
            throw new KvmException("the ELF image has no XEN_ELFNOTE_PHYS32_ENTRY note: not a PVH kernel");
        }
        if (entry < lo || entry >= hi) {
            throw new KvmException("the PVH entry 0x" + Long.toHexString(entry) + " is outside the loaded image");
        }
        long startInfo = (hi + GuestMemory.PAGE_SIZE - 1) & -GuestMemory.PAGE_SIZE;
        byte[] cmd = (cmdline == null ? "" : cmdline).getBytes(StandardCharsets.US_ASCII);
        long memmap = startInfo + HvmStartInfoLayout.SIZE;
        long cmdAt = memmap + HvmMemmapTableEntryLayout.SIZE;
        if (cmd.length > 2048 || startInfo + GuestMemory.PAGE_SIZE > Math.min(memory.byteSize(), FOUR_GIB)) {
            throw new KvmException("no room below 4 GiB for hvm_start_info after the image (image ends at 0x"
                    + Long.toHexString(hi) + ", memory " + memory.byteSize() + " bytes, command line "
                    + cmd.length + " bytes)");
        }
        MemorySegment page = memory.frame(GuestMemory.gfnOf(startInfo));
        page.fill((byte) 0);
        page.set(JAVA_INT, HvmStartInfoLayout.MAGIC_OFFSET, HvmStartInfoLayout.XEN_HVM_START_MAGIC_VALUE);
        page.set(JAVA_INT, HvmStartInfoLayout.VERSION_OFFSET, 1);
        page.set(JAVA_LONG, HvmStartInfoLayout.CMDLINE_PADDR_OFFSET, cmd.length == 0 ? 0 : cmdAt);
        page.set(JAVA_LONG, HvmStartInfoLayout.MEMMAP_PADDR_OFFSET, memmap);
        page.set(JAVA_INT, HvmStartInfoLayout.MEMMAP_ENTRIES_OFFSET, 1);
        long e = memmap - startInfo;
        page.set(JAVA_LONG, e + HvmMemmapTableEntryLayout.ADDR_OFFSET, 0L);
        page.set(JAVA_LONG, e + HvmMemmapTableEntryLayout.SIZE_OFFSET, memory.byteSize());
        page.set(JAVA_INT, e + HvmMemmapTableEntryLayout.TYPE_OFFSET, HvmMemmapTableEntryLayout.XEN_HVM_MEMMAP_TYPE_RAM);
        MemorySegment.copy(cmd, 0, page, java.lang.foreign.ValueLayout.JAVA_BYTE, cmdAt - startInfo, cmd.length);
        return new PvhBoot(entry, startInfo, lo, hi);
    }

    /** The PHYS32 entry from the notes in {@code [offset, offset + size)}, or -1. */
    private static long phys32Entry(ByteBuffer b, int offset, int size) {
        int at = offset;
        int end = offset + size;
        while (end - at >= 12) {
            long namesz = Integer.toUnsignedLong(b.getInt(at));
            long descsz = Integer.toUnsignedLong(b.getInt(at + 4));
            int type = b.getInt(at + 8);
            long name = at + 12L;
            long desc = name + ((namesz + 3) & ~3L);
            long next = desc + ((descsz + 3) & ~3L);
            if (next > end) {
                throw new KvmException("ELF note at file offset " + at + " runs past its segment");
            }
            if (namesz == 4 && b.get((int) name) == 'X' && b.get((int) name + 1) == 'e' && b.get((int) name + 2) == 'n'
                    && b.get((int) name + 3) == 0 && type == XEN_ELFNOTE_PHYS32_ENTRY) {
                if (descsz == 4) {
                    return Integer.toUnsignedLong(b.getInt((int) desc));
                }
                if (descsz == 8) {
                    long v = b.getLong((int) desc);
                    if (v < 0 || v >= FOUR_GIB) {
                        throw new KvmException("XEN_ELFNOTE_PHYS32_ENTRY 0x" + Long.toHexString(v) + " is not a 32-bit address");
                    }
                    return v;
                }
                throw new KvmException("XEN_ELFNOTE_PHYS32_ENTRY has " + descsz + " bytes, not 4 or 8");
            }
            at = (int) next;
        }
        return -1;
    }
}
