package io.pvkit.process;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The hypercall mailbox page: {@code struct pvkit_mailbox_page_header} and one {@code struct pvkit_mailbox}
 * per vCPU, as {@code pv-process/src/main/c/pvkit_mailbox.h} defines them (version {@value #VERSION}).
 *
 * <pre>
 * page:  0 +------------------------------+
 *          | header (64): magic "PVMX", version, domid, nr_vcpus, pad[48]   [hypervisor]
 *       64 +------------------------------+
 *          | mailbox[0] (128)             |
 *      192 +------------------------------+
 *          | mailbox[1] ...               |   mailbox k at 64 + 128 * k, k &lt; 31
 *
 * mailbox:  0 state u32   [guest] IDLE-&gt;REQUEST (release), RESPONSE-&gt;IDLE; [hypervisor] REQUEST-&gt;RESPONSE (release)
 *           4 seq u32     [guest] previous + 1
 *           8 op u64      [guest]
 *          16 args[5] u64 [guest] rdi, rsi, rdx, r10, r8
 *          56 result s64  [hypervisor]
 *          64 rsp_seq u32 [hypervisor] the seq answered
 *          68 upcall_pending u32 [hypervisor] sets 1; [guest] swaps to 0
 *          72 gone u32    [both] GONE_GUEST | GONE_HYPERVISOR, only ever set
 *          76 pad0 u32
 *          80 served u64  [hypervisor] requests answered
 *          88 pad1[40]
 *         128
 * </pre>
 * Little-endian (x86_64), shared by two processes on one machine. Every field the guest writes is
 * untrusted by the hypervisor: it reads each once into a local ({@link MailboxServer}).
 */
public final class MailboxLayout {
    /** {@code PVKIT_MAILBOX_MAGIC} ("PVMX"). */
    public static final int MAGIC = 0x584D5650;
    /** {@code PVKIT_ABI_VERSION}. */
    public static final int VERSION = 1;
    /** {@code PVKIT_MAILBOX_IDLE}: no call in progress. */
    public static final int STATE_IDLE = 0;
    /** {@code PVKIT_MAILBOX_REQUEST}: the guest published a call. */
    public static final int STATE_REQUEST = 1;
    /** {@code PVKIT_MAILBOX_RESPONSE}: the hypervisor published the result. */
    public static final int STATE_RESPONSE = 2;
    /** {@code PVKIT_GONE_GUEST}: bit of {@code gone}, the guest left. */
    public static final int GONE_GUEST = 1;
    /** {@code PVKIT_GONE_HYPERVISOR}: bit of {@code gone}, the hypervisor ended the session. */
    public static final int GONE_HYPERVISOR = 2;
    /** {@code PVKIT_MAILBOX_MAX_VCPUS}: mailboxes that fit in one page after the header. */
    public static final int MAX_VCPUS = 31;
    /** {@code PVKIT_MAILBOX_PAGE_BYTES}. */
    public static final int PAGE_BYTES = 4096;

    /** {@code struct pvkit_mailbox_page_header}. */
    public static final StructLayout PAGE_HEADER = MemoryLayout.structLayout(
            JAVA_INT.withName("magic"),
            JAVA_INT.withName("version"),
            JAVA_INT.withName("domid"),
            JAVA_INT.withName("nr_vcpus"),
            MemoryLayout.sequenceLayout(48, JAVA_BYTE).withName("pad")).withName("pvkit_mailbox_page_header");

    /** {@code struct pvkit_mailbox} (64-byte aligned). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("state"),
            JAVA_INT.withName("seq"),
            JAVA_LONG.withName("op"),
            MemoryLayout.sequenceLayout(5, JAVA_LONG).withName("args"),
            JAVA_LONG.withName("result"),
            JAVA_INT.withName("rsp_seq"),
            JAVA_INT.withName("upcall_pending"),
            JAVA_INT.withName("gone"),
            JAVA_INT.withName("pad0"),
            JAVA_LONG.withName("served"),
            MemoryLayout.sequenceLayout(40, JAVA_BYTE).withName("pad1")).withByteAlignment(64).withName("pvkit_mailbox");

    /** {@code sizeof(struct pvkit_mailbox)}. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code magic} in the page header. */
    public static final long MAGIC_OFFSET = PAGE_HEADER.byteOffset(groupElement("magic"));
    /** Offset of {@code version} in the page header. */
    public static final long VERSION_OFFSET = PAGE_HEADER.byteOffset(groupElement("version"));
    /** Offset of {@code domid} in the page header. */
    public static final long DOMID_OFFSET = PAGE_HEADER.byteOffset(groupElement("domid"));
    /** Offset of {@code nr_vcpus} in the page header. */
    public static final long NR_VCPUS_OFFSET = PAGE_HEADER.byteOffset(groupElement("nr_vcpus"));
    /** Offset of {@code state} in a mailbox. */
    public static final long STATE_OFFSET = LAYOUT.byteOffset(groupElement("state"));
    /** Offset of {@code seq} in a mailbox. */
    public static final long SEQ_OFFSET = LAYOUT.byteOffset(groupElement("seq"));
    /** Offset of {@code op} in a mailbox. */
    public static final long OP_OFFSET = LAYOUT.byteOffset(groupElement("op"));
    /** Offset of {@code args[0]} in a mailbox; {@code args[i]} is 8 bytes further per index. */
    public static final long ARGS_OFFSET = LAYOUT.byteOffset(groupElement("args"));
    /** Offset of {@code result} in a mailbox. */
    public static final long RESULT_OFFSET = LAYOUT.byteOffset(groupElement("result"));
    /** Offset of {@code rsp_seq} in a mailbox. */
    public static final long RSP_SEQ_OFFSET = LAYOUT.byteOffset(groupElement("rsp_seq"));
    /** Offset of {@code upcall_pending} in a mailbox. */
    public static final long UPCALL_PENDING_OFFSET = LAYOUT.byteOffset(groupElement("upcall_pending"));
    /** Offset of {@code gone} in a mailbox. */
    public static final long GONE_OFFSET = LAYOUT.byteOffset(groupElement("gone"));
    /** Offset of {@code served} in a mailbox. */
    public static final long SERVED_OFFSET = LAYOUT.byteOffset(groupElement("served"));

    private MailboxLayout() {
    }

    /**
     * {@code PVKIT_MAILBOX_OFFSET(vcpu)}: where vCPU {@code vcpu}'s mailbox starts in the page.
     *
     * @param vcpu the vCPU index, 0 to {@value #MAX_VCPUS} - 1
     * @return {@code 64 + 128 * vcpu}
     * @throws IllegalArgumentException when {@code vcpu} is out of range
     */
    public static long mailboxOffset(int vcpu) {
        checkVcpus(vcpu + 1);
        return PAGE_HEADER.byteSize() + SIZE * vcpu;
    }

    /**
     * Checks a vCPU count against the page's capacity.
     *
     * @param vcpus the number of vCPUs
     * @return {@code vcpus}
     * @throws IllegalArgumentException unless {@code 1 <= vcpus <= MAX_VCPUS}
     */
    public static int checkVcpus(int vcpus) {
        if (vcpus < 1 || vcpus > MAX_VCPUS) {
            throw new IllegalArgumentException("vcpus must be 1.." + MAX_VCPUS + ", got " + vcpus);
        }
        return vcpus;
    }
}
