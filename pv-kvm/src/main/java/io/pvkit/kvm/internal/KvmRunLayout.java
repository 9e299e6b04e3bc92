package io.pvkit.kvm.internal;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.StructLayout;
import java.lang.foreign.UnionLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The first 304 bytes of {@code struct kvm_run} from Linux {@code linux/kvm.h} (x86_64): the page
 * {@code mmap}ed from a vCPU file descriptor, shared with the kernel, through which {@code KVM_RUN}
 * reports why the vCPU left the guest. The sync-regs area after {@code kvm_dirty_regs} is not modelled.
 *
 * <pre>
 *     0  request_interrupt_window  u8    [IN]
 *     1  immediate_exit            u8    [IN]  non-zero: KVM_RUN returns -EINTR before entering
 *     2  (padding1)                u8[6]
 *     8  exit_reason               u32   [OUT] KVM_EXIT_*
 *    12  ready_for_interrupt_injection u8, 13 if_flag u8, 14 flags u16   [OUT]
 *    16  cr8 u64, 24 apic_base u64
 *    32  anonymous union (256 bytes), by exit reason:
 *          fail_entry   32 hardware_entry_failure_reason u64, 40 cpu u32
 *          io           32 direction u8, 33 size u8, 34 port u16, 36 count u32, 40 data_offset u64
 *                          (data lives at kvm_run + data_offset)
 *          mmio         32 phys_addr u64, 40 data u8[8], 48 len u32, 52 is_write u8
 *          internal     32 suberror u32, 36 ndata u32, 40 data u64[16]
 *          msr          32 error u8 [IN], 40 reason u32, 44 index u32, 48 data u64 [IN/OUT]
 *          system_event 32 type u32, 36 ndata u32, 40 data u64[16]
 *   288  kvm_valid_regs u64, 296 kvm_dirty_regs u64
 * </pre>
 *
 * <p>The kernel writes the [OUT] fields while the vCPU runs; user space reads them only after
 * {@code KVM_RUN} returned on the vCPU's own thread (the ioctl is the synchronisation point).
 */
public final class KvmRunLayout {
    private static final StructLayout FAIL_ENTRY = MemoryLayout.structLayout(
            JAVA_LONG.withName("hardware_entry_failure_reason"), JAVA_INT.withName("cpu"),
            MemoryLayout.paddingLayout(4)).withName("fail_entry");
    private static final StructLayout IO = MemoryLayout.structLayout(
            JAVA_BYTE.withName("direction"), JAVA_BYTE.withName("size"), JAVA_SHORT.withName("port"),
            JAVA_INT.withName("count"), JAVA_LONG.withName("data_offset")).withName("io");
    private static final StructLayout MMIO = MemoryLayout.structLayout(
            JAVA_LONG.withName("phys_addr"), MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("data"),
            JAVA_INT.withName("len"), JAVA_BYTE.withName("is_write"), MemoryLayout.paddingLayout(3))
            .withName("mmio");
    private static final StructLayout INTERNAL = MemoryLayout.structLayout(
            JAVA_INT.withName("suberror"), JAVA_INT.withName("ndata"),
            MemoryLayout.sequenceLayout(16, JAVA_LONG).withName("data")).withName("internal");
    private static final StructLayout MSR = MemoryLayout.structLayout(
            JAVA_BYTE.withName("error"), MemoryLayout.paddingLayout(7), JAVA_INT.withName("reason"),
            JAVA_INT.withName("index"), JAVA_LONG.withName("data")).withName("msr");
    private static final StructLayout SYSTEM_EVENT = MemoryLayout.structLayout(
            JAVA_INT.withName("type"), JAVA_INT.withName("ndata"),
            MemoryLayout.sequenceLayout(16, JAVA_LONG).withName("data")).withName("system_event");
    /** The anonymous union at offset 32 (unnamed, as in C: its members' paths have no prefix). */
    private static final UnionLayout EXIT_UNION = MemoryLayout.unionLayout(
            FAIL_ENTRY, IO, MMIO, INTERNAL, MSR, SYSTEM_EVENT, MemoryLayout.paddingLayout(256));
    private static final long UNION_INDEX = 9;

    /** {@code struct kvm_run} up to {@code kvm_dirty_regs}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_BYTE.withName("request_interrupt_window"), JAVA_BYTE.withName("immediate_exit"),
            MemoryLayout.paddingLayout(6),
            JAVA_INT.withName("exit_reason"), JAVA_BYTE.withName("ready_for_interrupt_injection"),
            JAVA_BYTE.withName("if_flag"), JAVA_SHORT.withName("flags"),
            JAVA_LONG.withName("cr8"), JAVA_LONG.withName("apic_base"),
            EXIT_UNION,
            JAVA_LONG.withName("kvm_valid_regs"), JAVA_LONG.withName("kvm_dirty_regs"))
            .withName("kvm_run");

    /** Size of the modelled part in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code request_interrupt_window}. */
    public static final long REQUEST_INTERRUPT_WINDOW_OFFSET = LAYOUT.byteOffset(groupElement("request_interrupt_window"));
    /** Offset of {@code ready_for_interrupt_injection}. */
    public static final long READY_FOR_INTERRUPT_INJECTION_OFFSET =
            LAYOUT.byteOffset(groupElement("ready_for_interrupt_injection"));
    /** Offset of {@code if_flag}. */
    public static final long IF_FLAG_OFFSET = LAYOUT.byteOffset(groupElement("if_flag"));
    /** Offset of {@code immediate_exit}. */
    public static final long IMMEDIATE_EXIT_OFFSET = LAYOUT.byteOffset(groupElement("immediate_exit"));
    /** Offset of {@code exit_reason}. */
    public static final long EXIT_REASON_OFFSET = LAYOUT.byteOffset(groupElement("exit_reason"));
    /** Offset of {@code fail_entry.hardware_entry_failure_reason}. */
    public static final long FAIL_ENTRY_REASON_OFFSET = u("fail_entry", "hardware_entry_failure_reason");
    /** Offset of {@code fail_entry.cpu}. */
    public static final long FAIL_ENTRY_CPU_OFFSET = u("fail_entry", "cpu");
    /** Offset of {@code io.direction}. */
    public static final long IO_DIRECTION_OFFSET = u("io", "direction");
    /** Offset of {@code io.size}. */
    public static final long IO_SIZE_OFFSET = u("io", "size");
    /** Offset of {@code io.port}. */
    public static final long IO_PORT_OFFSET = u("io", "port");
    /** Offset of {@code io.count}. */
    public static final long IO_COUNT_OFFSET = u("io", "count");
    /** Offset of {@code io.data_offset}. */
    public static final long IO_DATA_OFFSET_OFFSET = u("io", "data_offset");
    /** Offset of {@code mmio.phys_addr}. */
    public static final long MMIO_PHYS_ADDR_OFFSET = u("mmio", "phys_addr");
    /** Offset of {@code mmio.data}. */
    public static final long MMIO_DATA_OFFSET = u("mmio", "data");
    /** Offset of {@code mmio.len}. */
    public static final long MMIO_LEN_OFFSET = u("mmio", "len");
    /** Offset of {@code mmio.is_write}. */
    public static final long MMIO_IS_WRITE_OFFSET = u("mmio", "is_write");
    /** Offset of {@code internal.suberror}. */
    public static final long INTERNAL_SUBERROR_OFFSET = u("internal", "suberror");
    /** Offset of {@code internal.ndata}. */
    public static final long INTERNAL_NDATA_OFFSET = u("internal", "ndata");
    /** Offset of {@code internal.data[0]}. */
    public static final long INTERNAL_DATA_OFFSET = u("internal", "data");
    /** Offset of {@code msr.error}. */
    public static final long MSR_ERROR_OFFSET = u("msr", "error");
    /** Offset of {@code msr.reason}. */
    public static final long MSR_REASON_OFFSET = u("msr", "reason");
    /** Offset of {@code msr.index}. */
    public static final long MSR_INDEX_OFFSET = u("msr", "index");
    /** Offset of {@code msr.data}. */
    public static final long MSR_DATA_OFFSET = u("msr", "data");
    /** Offset of {@code system_event.type}. */
    public static final long SYSTEM_EVENT_TYPE_OFFSET = u("system_event", "type");

    private static long u(String member, String field) {
        PathElement union = groupElement(UNION_INDEX);
        return LAYOUT.byteOffset(union, groupElement(member), groupElement(field));
    }

    private KvmRunLayout() {
    }
}
