package io.pvkit.process;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct pvkit_hello} ({@code pvkit_mailbox.h}): the first message of a session, guest to hypervisor.
 *
 * <pre>
 *  0 magic u32 "PVKG"   4 version u32   8 vcpus u32   12 flags u32 (0)
 * 16 frames u64 (requested guest memory)
 * 24 name[40] (UTF-8, NUL-padded)
 * 64
 * </pre>
 * Little-endian. Untrusted by the hypervisor: {@link GuestListener} checks magic, version, vCPU count and
 * frames against its limits before the host sees the request.
 */
public final class SessionHelloLayout {
    /** {@code PVKIT_SESSION_HELLO_MAGIC} ("PVKG"). */
    public static final int MAGIC = 0x474B5650;
    /** The bytes of {@code name}. */
    public static final int NAME_BYTES = 40;
    /** {@code struct pvkit_hello}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("magic"),
            JAVA_INT.withName("version"),
            JAVA_INT.withName("vcpus"),
            JAVA_INT.withName("flags"),
            JAVA_LONG.withName("frames"),
            MemoryLayout.sequenceLayout(NAME_BYTES, JAVA_BYTE).withName("name")).withName("pvkit_hello");
    /** {@code sizeof(struct pvkit_hello)}. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code magic}. */
    public static final long MAGIC_OFFSET = LAYOUT.byteOffset(groupElement("magic"));
    /** Offset of {@code version}. */
    public static final long VERSION_OFFSET = LAYOUT.byteOffset(groupElement("version"));
    /** Offset of {@code vcpus}. */
    public static final long VCPUS_OFFSET = LAYOUT.byteOffset(groupElement("vcpus"));
    /** Offset of {@code flags}. */
    public static final long FLAGS_OFFSET = LAYOUT.byteOffset(groupElement("flags"));
    /** Offset of {@code frames}. */
    public static final long FRAMES_OFFSET = LAYOUT.byteOffset(groupElement("frames"));
    /** Offset of {@code name}. */
    public static final long NAME_OFFSET = LAYOUT.byteOffset(groupElement("name"));

    private SessionHelloLayout() {
    }
}
