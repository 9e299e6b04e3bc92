package io.pvkit.kvm.internal;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code struct kvm_cpuid_entry2} (40 bytes, 4-aligned) from Linux {@code asm/kvm.h} (x86): one CPUID
 * leaf/sub-leaf of {@code KVM_GET_SUPPORTED_CPUID} [OUT] and {@code KVM_SET_CPUID2} [IN].
 *
 * <pre>
 *     0 function  4 index  8 flags  12 eax  16 ebx  20 ecx  24 edx   (u32)
 *    28 padding   u32[3]
 * </pre>
 */
public final class KvmCpuidEntry2Layout {
    /** {@code struct kvm_cpuid_entry2}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("function"), JAVA_INT.withName("index"), JAVA_INT.withName("flags"),
            JAVA_INT.withName("eax"), JAVA_INT.withName("ebx"), JAVA_INT.withName("ecx"),
            JAVA_INT.withName("edx"), MemoryLayout.sequenceLayout(3, JAVA_INT).withName("padding"))
            .withName("kvm_cpuid_entry2");

    /** Size in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code function}. */
    public static final long FUNCTION_OFFSET = off("function");
    /** Offset of {@code index}. */
    public static final long INDEX_OFFSET = off("index");
    /** Offset of {@code flags}. */
    public static final long FLAGS_OFFSET = off("flags");
    /** Offset of {@code eax}. */
    public static final long EAX_OFFSET = off("eax");
    /** Offset of {@code ebx}. */
    public static final long EBX_OFFSET = off("ebx");
    /** Offset of {@code ecx}. */
    public static final long ECX_OFFSET = off("ecx");
    /** Offset of {@code edx}. */
    public static final long EDX_OFFSET = off("edx");

    private static long off(String name) {
        return LAYOUT.byteOffset(groupElement(name));
    }

    private KvmCpuidEntry2Layout() {
    }
}
