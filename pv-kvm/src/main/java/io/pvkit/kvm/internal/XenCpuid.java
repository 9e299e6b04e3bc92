package io.pvkit.kvm.internal;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The CPUID table pv-kvm gives a guest: the host's supported leaves (from
 * {@code KVM_GET_SUPPORTED_CPUID}) with the hypervisor range 0x40000000..0x4fffffff replaced by Xen's
 * leaves ({@code xen/arch-x86/cpuid.h}), and the "hypervisor present" bit (leaf 1, ECX bit 31) set.
 *
 * <pre>
 *   0x40000000  eax = 0x40000002 (largest Xen leaf), ebx:ecx:edx = "XenV" "MMXe" "nVMM"
 *   0x40000001  eax = major &lt;&lt; 16 | minor
 *   0x40000002  eax = 1 hypercall page, ebx = 0x40000000 (the hypercall-page MSR), ecx = edx = 0
 * </pre>
 */
public final class XenCpuid {
    /** First Xen leaf. */
    public static final int BASE_LEAF = 0x40000000;
    /** The MSR a guest writes its hypercall page's guest-physical address to (leaf 0x40000002 EBX). */
    public static final int HYPERCALL_PAGE_MSR = 0x40000000;
    /** "XenV" as EBX of leaf 0x40000000. */
    public static final int SIGNATURE_EBX = 0x566e6558;
    /** "MMXe" as ECX. */
    public static final int SIGNATURE_ECX = 0x65584d4d;
    /** "nVMM" as EDX. */
    public static final int SIGNATURE_EDX = 0x4d4d566e;

    /** One CPUID entry. */
    public record Leaf(int function, int index, int flags, int eax, int ebx, int ecx, int edx) {
    }

    private XenCpuid() {
    }

    /**
     * Reads {@code count} entries of a {@code kvm_cpuid2} entry array.
     *
     * @param entries the array (after the 8-byte header)
     * @param count the number of entries
     * @return the leaves
     */
    public static List<Leaf> read(MemorySegment entries, int count) {
        List<Leaf> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long at = (long) i * KvmCpuidEntry2Layout.SIZE;
            out.add(new Leaf(entries.get(JAVA_INT, at + KvmCpuidEntry2Layout.FUNCTION_OFFSET),
                    entries.get(JAVA_INT, at + KvmCpuidEntry2Layout.INDEX_OFFSET),
                    entries.get(JAVA_INT, at + KvmCpuidEntry2Layout.FLAGS_OFFSET),
                    entries.get(JAVA_INT, at + KvmCpuidEntry2Layout.EAX_OFFSET),
                    entries.get(JAVA_INT, at + KvmCpuidEntry2Layout.EBX_OFFSET),
                    entries.get(JAVA_INT, at + KvmCpuidEntry2Layout.ECX_OFFSET),
                    entries.get(JAVA_INT, at + KvmCpuidEntry2Layout.EDX_OFFSET)));
        }
        return out;
    }

    /**
     * Writes leaves as a {@code kvm_cpuid2} (header and entries).
     *
     * @param leaves the leaves
     * @param target at least {@code 8 + 40 * leaves.size()} bytes
     */
    public static void write(List<Leaf> leaves, MemorySegment target) {
        target.asSlice(0, KvmCpuid2Layout.SIZE + leaves.size() * KvmCpuidEntry2Layout.SIZE).fill((byte) 0);
        target.set(JAVA_INT, KvmCpuid2Layout.NENT_OFFSET, leaves.size());
        for (int i = 0; i < leaves.size(); i++) {
            Leaf l = leaves.get(i);
            long at = KvmCpuid2Layout.SIZE + (long) i * KvmCpuidEntry2Layout.SIZE;
            target.set(JAVA_INT, at + KvmCpuidEntry2Layout.FUNCTION_OFFSET, l.function());
            target.set(JAVA_INT, at + KvmCpuidEntry2Layout.INDEX_OFFSET, l.index());
            target.set(JAVA_INT, at + KvmCpuidEntry2Layout.FLAGS_OFFSET, l.flags());
            target.set(JAVA_INT, at + KvmCpuidEntry2Layout.EAX_OFFSET, l.eax());
            target.set(JAVA_INT, at + KvmCpuidEntry2Layout.EBX_OFFSET, l.ebx());
            target.set(JAVA_INT, at + KvmCpuidEntry2Layout.ECX_OFFSET, l.ecx());
            target.set(JAVA_INT, at + KvmCpuidEntry2Layout.EDX_OFFSET, l.edx());
        }
    }

    /**
     * The guest's table: the host's leaves outside the hypervisor range, leaf 1 with the hypervisor bit,
     * and Xen's three leaves.
     *
     * @param host the leaves KVM supports
     * @param xenVersion the version leaf 0x40000001 reports ({@code major << 16 | minor})
     * @return the table for {@code KVM_SET_CPUID2}
     */
    public static List<Leaf> guestTable(List<Leaf> host, int xenVersion) {
        List<Leaf> out = new ArrayList<>();
        for (Leaf l : host) {
            if (Integer.compareUnsigned(l.function(), BASE_LEAF) >= 0
                    && Integer.compareUnsigned(l.function(), 0x4fffffff) <= 0) {
                continue;
            }
            if (l.function() == 1) {
                l = new Leaf(l.function(), l.index(), l.flags(), l.eax(), l.ebx(), l.ecx() | (1 << 31), l.edx());
            }
            out.add(l);
        }
        out.add(new Leaf(BASE_LEAF, 0, 0, BASE_LEAF + 2, SIGNATURE_EBX, SIGNATURE_ECX, SIGNATURE_EDX));
        out.add(new Leaf(BASE_LEAF + 1, 0, 0, xenVersion, 0, 0, 0));
        out.add(new Leaf(BASE_LEAF + 2, 0, 0, 1, HYPERCALL_PAGE_MSR, 0, 0));
        return out;
    }
}
