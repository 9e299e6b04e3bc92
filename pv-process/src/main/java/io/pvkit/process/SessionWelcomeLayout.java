package io.pvkit.process;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct pvkit_welcome} ({@code pvkit_mailbox.h}): the hypervisor's answer to a hello, sent with the
 * descriptors [guest memory memfd, mailbox page memfd] in one {@code SCM_RIGHTS} message when
 * {@code status} is 0.
 *
 * <pre>
 *  0 magic u32 "PVKH"   4 version u32   8 status s32 (0 or -errno)   12 domid u32
 * 16 vcpus u32         20 pad0 u32
 * 24 frames u64        32 start_info_gpa u64   40 mailbox_bytes u64
 * 48 pad1[16]
 * 64
 * </pre>
 * Little-endian.
 */
public final class SessionWelcomeLayout {
    /** {@code PVKIT_SESSION_WELCOME_MAGIC} ("PVKH"). */
    public static final int MAGIC = 0x484B5650;
    /** {@code struct pvkit_welcome}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("magic"),
            JAVA_INT.withName("version"),
            JAVA_INT.withName("status"),
            JAVA_INT.withName("domid"),
            JAVA_INT.withName("vcpus"),
            JAVA_INT.withName("pad0"),
            JAVA_LONG.withName("frames"),
            JAVA_LONG.withName("start_info_gpa"),
            JAVA_LONG.withName("mailbox_bytes"),
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("pad1")).withName("pvkit_welcome");
    /** {@code sizeof(struct pvkit_welcome)}. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code magic}. */
    public static final long MAGIC_OFFSET = LAYOUT.byteOffset(groupElement("magic"));
    /** Offset of {@code version}. */
    public static final long VERSION_OFFSET = LAYOUT.byteOffset(groupElement("version"));
    /** Offset of {@code status}. */
    public static final long STATUS_OFFSET = LAYOUT.byteOffset(groupElement("status"));
    /** Offset of {@code domid}. */
    public static final long DOMID_OFFSET = LAYOUT.byteOffset(groupElement("domid"));
    /** Offset of {@code vcpus}. */
    public static final long VCPUS_OFFSET = LAYOUT.byteOffset(groupElement("vcpus"));
    /** Offset of {@code frames}. */
    public static final long FRAMES_OFFSET = LAYOUT.byteOffset(groupElement("frames"));
    /** Offset of {@code start_info_gpa}. */
    public static final long START_INFO_GPA_OFFSET = LAYOUT.byteOffset(groupElement("start_info_gpa"));
    /** Offset of {@code mailbox_bytes}. */
    public static final long MAILBOX_BYTES_OFFSET = LAYOUT.byteOffset(groupElement("mailbox_bytes"));

    private SessionWelcomeLayout() {
    }
}
