package io.pvkit.kvm.internal;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * glibc's {@code struct sigaction} (152 bytes) on x86_64 Linux ({@code bits/sigaction.h}), as
 * {@code sigaction(2)} takes it from user space; used only to install the vCPU kick handler.
 *
 * <pre>
 *     0  sa_handler   void (*)(int)
 *     8  sa_mask      sigset_t (1024 bits)
 *   136  sa_flags     int
 *   140  (pad)        4 bytes
 *   144  sa_restorer  void (*)(void)   (set by glibc)
 * </pre>
 */
public final class SigactionLayout {
    /** {@code struct sigaction}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("sa_handler"), MemoryLayout.sequenceLayout(16, JAVA_LONG).withName("sa_mask"),
            JAVA_INT.withName("sa_flags"), MemoryLayout.paddingLayout(4), JAVA_LONG.withName("sa_restorer"))
            .withName("sigaction");

    /** Offset of {@code sa_handler}. */
    public static final long SA_HANDLER_OFFSET = LAYOUT.byteOffset(groupElement("sa_handler"));
    /** Offset of {@code sa_flags}. */
    public static final long SA_FLAGS_OFFSET = LAYOUT.byteOffset(groupElement("sa_flags"));

    private SigactionLayout() {
    }
}
