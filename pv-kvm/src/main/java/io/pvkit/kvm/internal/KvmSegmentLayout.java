package io.pvkit.kvm.internal;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct kvm_segment} (24 bytes) from Linux {@code asm/kvm.h} (x86): one segment register's
 * hidden state, part of {@code struct kvm_sregs}.
 *
 * <pre>
 *     0  base      u64      8  limit   u32     12  selector u16   14 type u8
 *    15  present   16 dpl  17 db  18 s  19 l  20 g  21 avl  22 unusable  23 padding   (u8 each)
 * </pre>
 */
public final class KvmSegmentLayout {
    /** {@code struct kvm_segment}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("base"), JAVA_INT.withName("limit"), JAVA_SHORT.withName("selector"),
            JAVA_BYTE.withName("type"), JAVA_BYTE.withName("present"), JAVA_BYTE.withName("dpl"),
            JAVA_BYTE.withName("db"), JAVA_BYTE.withName("s"), JAVA_BYTE.withName("l"),
            JAVA_BYTE.withName("g"), JAVA_BYTE.withName("avl"), JAVA_BYTE.withName("unusable"),
            JAVA_BYTE.withName("padding"))
            .withName("kvm_segment");

    /** Size in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code base}. */
    public static final long BASE_OFFSET = off("base");
    /** Offset of {@code limit}. */
    public static final long LIMIT_OFFSET = off("limit");
    /** Offset of {@code selector}. */
    public static final long SELECTOR_OFFSET = off("selector");
    /** Offset of {@code type}. */
    public static final long TYPE_OFFSET = off("type");
    /** Offset of {@code present}. */
    public static final long PRESENT_OFFSET = off("present");
    /** Offset of {@code dpl}. */
    public static final long DPL_OFFSET = off("dpl");
    /** Offset of {@code db}. */
    public static final long DB_OFFSET = off("db");
    /** Offset of {@code s}. */
    public static final long S_OFFSET = off("s");
    /** Offset of {@code l}. */
    public static final long L_OFFSET = off("l");
    /** Offset of {@code g}. */
    public static final long G_OFFSET = off("g");
    /** Offset of {@code unusable}. */
    public static final long UNUSABLE_OFFSET = off("unusable");

    private static long off(String name) {
        return LAYOUT.byteOffset(groupElement(name));
    }

    private KvmSegmentLayout() {
    }
}
