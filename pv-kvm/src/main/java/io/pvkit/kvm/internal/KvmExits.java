package io.pvkit.kvm.internal;

import io.pvkit.kvm.ExitOutcome;
import io.pvkit.kvm.KvmException;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Reads a {@code kvm_run} after {@code KVM_RUN} returned and maps the exits the vCPU loop does not serve
 * itself to {@link ExitOutcome}s, preparing the resume (all-ones data for reads nobody serves).
 */
public final class KvmExits {
    /**
     * The {@code io} member of an I/O exit.
     *
     * @param port the port
     * @param out whether it was {@code out}
     * @param size bytes per access
     * @param count accesses
     * @param dataOffset where the data lies in {@code kvm_run}
     * @param value the first access's data (zero-extended)
     */
    public record Io(int port, boolean out, int size, int count, long dataOffset, long value) {
    }

    private KvmExits() {
    }

    /**
     * Reads the {@code io} member and the first datum.
     *
     * @param run the {@code kvm_run} mapping
     * @return the exit
     * @throws KvmException when the kernel's data offset or size lie outside the mapping
     */
    public static Io io(MemorySegment run) {
        int direction = Byte.toUnsignedInt(run.get(JAVA_BYTE, KvmRunLayout.IO_DIRECTION_OFFSET));
        int size = Byte.toUnsignedInt(run.get(JAVA_BYTE, KvmRunLayout.IO_SIZE_OFFSET));
        int port = Short.toUnsignedInt(run.get(JAVA_SHORT, KvmRunLayout.IO_PORT_OFFSET));
        int count = run.get(JAVA_INT, KvmRunLayout.IO_COUNT_OFFSET);
        long dataOffset = run.get(JAVA_LONG, KvmRunLayout.IO_DATA_OFFSET_OFFSET);
        if ((size != 1 && size != 2 && size != 4) || count < 1 || dataOffset < KvmRunLayout.SIZE
                || dataOffset > run.byteSize() || (long) size * count > run.byteSize() - dataOffset) {
            throw new KvmException("KVM_EXIT_IO with data outside kvm_run (size " + size + ", count " + count
                    + ", offset " + dataOffset + ")");
        }
        long value = 0;
        for (int i = 0; i < size; i++) {
            value |= Byte.toUnsignedLong(run.get(JAVA_BYTE, dataOffset + i)) << (8 * i);
        }
        return new Io(port, direction == KvmAbi.KVM_EXIT_IO_OUT, size, count, dataOffset, value);
    }

    /**
     * An I/O exit nobody serves: reads get all-ones bytes on resume.
     *
     * @param io the exit
     * @param run the {@code kvm_run} mapping
     * @return the outcome
     */
    public static ExitOutcome unservedIo(Io io, MemorySegment run) {
        if (!io.out()) {
            run.asSlice(io.dataOffset(), (long) io.size() * io.count()).fill((byte) 0xFF);
        }
        return new ExitOutcome.PortIo(io.port(), io.out(), io.size(), io.count(), io.out() ? io.value() : 0);
    }

    /**
     * Maps an exit the loop does not serve.
     *
     * @param reason {@code kvm_run.exit_reason}
     * @param run the {@code kvm_run} mapping
     * @return the outcome
     */
    public static ExitOutcome decode(int reason, MemorySegment run) {
        switch (reason) {
            case KvmAbi.KVM_EXIT_HLT:
                return new ExitOutcome.Halted();
            case KvmAbi.KVM_EXIT_SHUTDOWN:
                return new ExitOutcome.TripleFault();
            case KvmAbi.KVM_EXIT_MMIO: {
                long address = run.get(JAVA_LONG, KvmRunLayout.MMIO_PHYS_ADDR_OFFSET);
                boolean write = run.get(JAVA_BYTE, KvmRunLayout.MMIO_IS_WRITE_OFFSET) != 0;
                int len = run.get(JAVA_INT, KvmRunLayout.MMIO_LEN_OFFSET);
                if (!write) {
                    run.asSlice(KvmRunLayout.MMIO_DATA_OFFSET, 8).fill((byte) 0xFF);
                }
                return new ExitOutcome.Mmio(address, write, len);
            }
            case KvmAbi.KVM_EXIT_INTERNAL_ERROR: {
                int suberror = run.get(JAVA_INT, KvmRunLayout.INTERNAL_SUBERROR_OFFSET);
                int ndata = Math.min(16, Math.max(0, run.get(JAVA_INT, KvmRunLayout.INTERNAL_NDATA_OFFSET)));
                long[] data = new long[ndata];
                for (int i = 0; i < ndata; i++) {
                    data[i] = run.get(JAVA_LONG, KvmRunLayout.INTERNAL_DATA_OFFSET + 8L * i);
                }
                return new ExitOutcome.InternalError(suberror, data);
            }
            case KvmAbi.KVM_EXIT_FAIL_ENTRY:
                return new ExitOutcome.FailEntry(run.get(JAVA_LONG, KvmRunLayout.FAIL_ENTRY_REASON_OFFSET),
                        run.get(JAVA_INT, KvmRunLayout.FAIL_ENTRY_CPU_OFFSET));
            case KvmAbi.KVM_EXIT_SYSTEM_EVENT:
                return new ExitOutcome.SystemEvent(run.get(JAVA_INT, KvmRunLayout.SYSTEM_EVENT_TYPE_OFFSET));
            default:
                return new ExitOutcome.Unhandled(reason);
        }
    }
}
