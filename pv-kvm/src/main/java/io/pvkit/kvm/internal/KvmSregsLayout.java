package io.pvkit.kvm.internal;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct kvm_sregs} (312 bytes) from Linux {@code asm/kvm.h} (x86): segment, descriptor-table and
 * control registers of {@code KVM_GET_SREGS} [OUT] / {@code KVM_SET_SREGS} [IN].
 *
 * <pre>
 *     0 cs  24 ds  48 es  72 fs  96 gs  120 ss  144 tr  168 ldt   (struct kvm_segment, 24 each)
 *   192 gdt  208 idt                                              (struct kvm_dtable, 16 each)
 *   224 cr0  232 cr2  240 cr3  248 cr4  256 cr8  264 efer  272 apic_base   (u64)
 *   280 interrupt_bitmap u64[4]
 * </pre>
 */
public final class KvmSregsLayout {
    /** {@code struct kvm_sregs}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            KvmSegmentLayout.LAYOUT.withName("cs"), KvmSegmentLayout.LAYOUT.withName("ds"),
            KvmSegmentLayout.LAYOUT.withName("es"), KvmSegmentLayout.LAYOUT.withName("fs"),
            KvmSegmentLayout.LAYOUT.withName("gs"), KvmSegmentLayout.LAYOUT.withName("ss"),
            KvmSegmentLayout.LAYOUT.withName("tr"), KvmSegmentLayout.LAYOUT.withName("ldt"),
            KvmDtableLayout.LAYOUT.withName("gdt"), KvmDtableLayout.LAYOUT.withName("idt"),
            JAVA_LONG.withName("cr0"), JAVA_LONG.withName("cr2"), JAVA_LONG.withName("cr3"),
            JAVA_LONG.withName("cr4"), JAVA_LONG.withName("cr8"), JAVA_LONG.withName("efer"),
            JAVA_LONG.withName("apic_base"),
            MemoryLayout.sequenceLayout(4, JAVA_LONG).withName("interrupt_bitmap"))
            .withName("kvm_sregs");

    /** Size in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code cs}. */
    public static final long CS_OFFSET = off("cs");
    /** Offset of {@code ds}. */
    public static final long DS_OFFSET = off("ds");
    /** Offset of {@code es}. */
    public static final long ES_OFFSET = off("es");
    /** Offset of {@code fs}. */
    public static final long FS_OFFSET = off("fs");
    /** Offset of {@code gs}. */
    public static final long GS_OFFSET = off("gs");
    /** Offset of {@code ss}. */
    public static final long SS_OFFSET = off("ss");
    /** Offset of {@code tr}. */
    public static final long TR_OFFSET = off("tr");
    /** Offset of {@code ldt}. */
    public static final long LDT_OFFSET = off("ldt");
    /** Offset of {@code gdt}. */
    public static final long GDT_OFFSET = off("gdt");
    /** Offset of {@code idt}. */
    public static final long IDT_OFFSET = off("idt");
    /** Offset of {@code cr0}. */
    public static final long CR0_OFFSET = off("cr0");
    /** Offset of {@code cr3}. */
    public static final long CR3_OFFSET = off("cr3");
    /** Offset of {@code cr4}. */
    public static final long CR4_OFFSET = off("cr4");
    /** Offset of {@code efer}. */
    public static final long EFER_OFFSET = off("efer");

    private static long off(String name) {
        return LAYOUT.byteOffset(groupElement(name));
    }

    private KvmSregsLayout() {
    }
}
