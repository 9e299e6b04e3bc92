package io.pvkit.hypervisor.internal;

import io.pvkit.abi.XenErrno;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.ConsoleIoOp;
import io.pvkit.abi.platform.XenVersionOp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * {@code console_io} and {@code xen_version}.
 *
 * <p>{@code CONSOLEIO_write(count, buf)}: {@code count} is an unsigned 32-bit value; the whole range
 * {@code [buf, buf+count)} is validated before the first byte is copied ({@code -EFAULT}, nothing written),
 * then copied in {@value #CHUNK}-byte pieces into the domain's console (work bounded by the caller's own
 * memory). {@code CONSOLEIO_read}: {@code -EPERM} for an unprivileged domain; a privileged one reads the
 * hypervisor's console input, which pvkit does not have, so 0 bytes (after validating the buffer).
 *
 * <p>{@code xen_version}: version 4.17; extraversion, compile_info, capabilities and changeset written as
 * whole zero-filled arrays (XSA-122); get_features (submap 0: {@code XENFEAT_auto_translated_physmap});
 * pagesize. Other sub-ops {@code -ENOSYS}.
 */
final class InfoOps {
    /** Bytes copied per step of a console write. */
    static final int CHUNK = 4096;
    /** {@code XENVER_version}: Xen 4.17, whose public ABI pvkit implements. */
    static final long VERSION = (4L << 16) | 17;
    static final String EXTRAVERSION = "-pvkit";
    static final String CAPABILITIES = "xen-3.0-x86_64 hvm-3.0-x86_64";
    static final String CHANGESET = "pvkit reference hypervisor";
    /** {@code XENFEAT_auto_translated_physmap}. */
    static final int FEATURES_SUBMAP_0 = 1 << 2;

    private static final long ENOSYS = XenErrno.ENOSYS.negated();
    private static final long EPERM = XenErrno.EPERM.negated();

    long consoleIo(DomainRecord d, HypercallContext c, long cmd, long count, long buf) {
        long n = count & 0xFFFF_FFFFL;
        if (cmd == ConsoleIoOp.WRITE) {
            if (n == 0) {
                return 0;
            }
            // UNTRUSTED: the whole range is checked (with overflow) before anything is copied
            long gpa = c.resolve(buf, n, 1);
            byte[] chunk = new byte[(int) Math.min(CHUNK, n)];
            for (long done = 0; done < n; ) {
                int len = (int) Math.min(chunk.length, n - done);
                d.memory.read(gpa + done, chunk, 0, len);
                d.console.write(chunk, len);
                done += len;
            }
            return 0;
        }
        if (cmd == ConsoleIoOp.READ) {
            if (!d.privileged) {
                return EPERM;
            }
            if (n > 0) {
                c.resolve(buf, n, 1);
            }
            return 0;
        }
        return ENOSYS;
    }

    long xenVersion(HypercallContext c, long cmd, long arg) {
        if (cmd == XenVersionOp.VERSION) {
            return VERSION;
        }
        if (cmd == XenVersionOp.EXTRAVERSION) {
            return copyOutStrings(c, arg, new int[] {16}, EXTRAVERSION);
        }
        if (cmd == XenVersionOp.COMPILE_INFO) {
            return copyOutStrings(c, arg, new int[] {64, 16, 32, 32}, "javac 25", "pvkit", "pvkit.io", "2025");
        }
        if (cmd == XenVersionOp.CAPABILITIES) {
            return copyOutStrings(c, arg, new int[] {1024}, CAPABILITIES);
        }
        if (cmd == XenVersionOp.CHANGESET) {
            return copyOutStrings(c, arg, new int[] {64}, CHANGESET);
        }
        if (cmd == XenVersionOp.GET_FEATURES) {
            // {u32 submap_idx [IN]; u32 submap [OUT]}
            long gpa = c.resolve(arg, 8, 4);
            int idx = c.memory().getInt(gpa);
            c.memory().setInt(gpa + 4, idx == 0 ? FEATURES_SUBMAP_0 : 0);
            return 0;
        }
        if (cmd == XenVersionOp.PAGESIZE) {
            return GuestMemory.PAGE_SIZE;
        }
        return ENOSYS;
    }

    /** Writes NUL-padded fixed-size fields, the whole structure in one copy. */
    private static long copyOutStrings(HypercallContext c, long arg, int[] sizes, String... values) {
        int total = 0;
        for (int s : sizes) {
            total += s;
        }
        MemorySegment out = MemorySegment.ofArray(new byte[total]);
        int offset = 0;
        for (int i = 0; i < sizes.length; i++) {
            byte[] v = values[i].getBytes(StandardCharsets.US_ASCII);
            int len = Math.min(v.length, sizes[i] - 1);
            MemorySegment.copy(v, 0, out, ValueLayout.JAVA_BYTE, offset, len);
            offset += sizes[i];
        }
        c.copyOut(arg, out);
        return 0;
    }
}
