package io.pvkit.kvm.internal;

import io.pvkit.kvm.HvmMemmapTableEntryLayout;
import io.pvkit.kvm.HvmStartInfoLayout;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Compiles {@code src/test/c/kvm_abi.c} with gcc against the installed {@code linux/kvm.h} and Xen's
 * {@code start_info.h}, runs it, and compares its sizeof/_Alignof/offsetof table and its numbers with
 * every layout and every {@code KVM_*}/{@code XEN_*} constant pv-kvm declares, in both directions.
 */
class KvmHeaderCrossCheckTest {
    /** Every class holding layouts or numbers; a new one must be added here and to kvm_abi.c. */
    static final List<Class<?>> CLASSES = List.of(KvmRunLayout.class, KvmRegsLayout.class, KvmSegmentLayout.class,
            KvmDtableLayout.class, KvmSregsLayout.class, KvmUserspaceMemoryRegionLayout.class,
            KvmCpuidEntry2Layout.class, KvmCpuid2Layout.class, KvmMsrFilterRangeLayout.class,
            KvmMsrFilterLayout.class, KvmEnableCapLayout.class, KvmInterruptLayout.class, SigactionLayout.class, HvmStartInfoLayout.class,
            HvmMemmapTableEntryLayout.class, KvmAbi.class, PvhLoader.class);

    @Test
    void shouldMatchTheRealLinuxAndXenHeaders() throws Exception {
        AbiTable c = AbiTable.c(Gcc.compileAndRun(Path.of("src", "test", "c", "kvm_abi.c"), "kvm-abi"));
        AbiTable java = AbiTable.java(CLASSES);
        List<String> mismatches = AbiTable.compare(java, c);
        String summary = "pv-kvm vs linux/kvm.h and start_info.h: " + java.structCount() + " structs, "
                + java.fieldCount() + " fields, " + java.numberCount() + " numbers, " + mismatches.size()
                + " mismatches";
        System.out.println(summary);
        Files.writeString(Path.of("target", "kvm-abi-crosscheck.txt"), summary + "\n" + String.join("\n", mismatches) + "\n");
        if (!mismatches.isEmpty()) {
            fail(summary + ":\n  " + String.join("\n  ", mismatches));
        }
        assertEquals(15, java.structCount(), summary);
        assertTrue(java.numberCount() >= 50, summary);
    }

    @Test
    void shouldReportAWrongOffsetAMissingFieldAndAWrongNumber() {
        AbiTable c = AbiTable.c(List.of("struct s 16 8", "field s a 0 4", "field s b 8 8", "number KVM_X 5"));
        AbiTable wrong = new AbiTable();
        StructLayout s = MemoryLayout.structLayout(JAVA_INT.withName("a"), JAVA_INT.withName("pad"),
                JAVA_LONG.withName("b")).withName("s");
        wrong.addLayout(s);
        List<String> bad = AbiTable.compare(wrong, c);
        assertEquals(List.of("field s pad: only in Java", "number KVM_X: only in C"), bad);
        AbiTable moved = new AbiTable();
        moved.addLayout(MemoryLayout.structLayout(JAVA_LONG.withName("b"), JAVA_INT.withName("a"),
                MemoryLayout.paddingLayout(4)).withName("s"));
        assertEquals(List.of("field s a: Java 8/4 != C 0/4", "field s b: Java 0/8 != C 8/8", "number KVM_X: only in C"),
                AbiTable.compare(moved, c));
    }
}
