package io.pvkit.kvm.internal;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

/**
 * The Xen hypercall page pv-kvm writes into a guest page when the guest writes the hypercall-page MSR:
 * 128 stubs of 32 bytes, stub {@code n} at offset {@code 32 * n}, which a guest {@code call}s with the
 * arguments in rdi, rsi, rdx, r10, r8 and gets the result in rax.
 *
 * <p>Xen's HVM stub is {@code mov $n, %eax; vmcall; ret}. This host's KVM handles {@code vmcall} itself
 * (as a KVM hypercall) unless it has {@code KVM_CAP_XEN_HVM}, so pv-kvm's stub leaves the guest with a
 * port write instead, which always exits to user space:
 *
 * <pre>
 *   b8 nn nn nn nn    mov  $n, %eax
 *   e7 PP             out  %eax, $PORT      KVM_EXIT_IO: port PORT, 4 bytes, data = n
 *   c3                ret
 *   cc ...            int3 padding (as Xen fills the page)
 * </pre>
 *
 * <p>The {@code iret} slot (23) holds {@code ud2}, as in Xen's HVM page. The guest can execute the port
 * write from anywhere (Xen likewise accepts {@code vmcall} outside the page); the vCPU loop treats it the
 * same.
 */
public final class HypercallPage {
    /** The I/O port the stubs write the op number to (0xEA: unused by PC hardware and QEMU's devices). */
    public static final int PORT = 0xEA;
    /** Bytes per stub. */
    public static final int STUB_SIZE = 32;
    /** Stubs per page. */
    public static final int STUBS = 4096 / STUB_SIZE;
    /** {@code __HYPERVISOR_iret}: a PV-only hypercall, {@code ud2} in an HVM page. */
    public static final int IRET = 23;

    private HypercallPage() {
    }

    /**
     * Fills a page with the stubs.
     *
     * @param page a 4096-byte segment (the guest page)
     */
    public static void fill(MemorySegment page) {
        if (page.byteSize() != 4096) {
            throw new IllegalArgumentException("a hypercall page is 4096 bytes, not " + page.byteSize());
        }
        page.fill((byte) 0xCC);
        for (int op = 0; op < STUBS; op++) {
            long at = (long) op * STUB_SIZE;
            if (op == IRET) {
                page.set(JAVA_BYTE, at, (byte) 0x0F);
                page.set(JAVA_BYTE, at + 1, (byte) 0x0B);
                continue;
            }
            page.set(JAVA_BYTE, at, (byte) 0xB8);
            page.set(JAVA_INT_UNALIGNED, at + 1, op);
            page.set(JAVA_BYTE, at + 5, (byte) 0xE7);
            page.set(JAVA_BYTE, at + 6, (byte) PORT);
            page.set(JAVA_BYTE, at + 7, (byte) 0xC3);
        }
    }
}
