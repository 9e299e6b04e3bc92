package io.pvkit.kvm;

/**
 * Why {@link KvmVm#runVcpu(int, java.time.Duration)} returned: the guest left the vCPU loop for a reason
 * its caller must handle. Hypercalls, the hypercall-page MSR write and signal interruptions are handled
 * inside the loop and never returned.
 *
 * <p>Calling {@code runVcpu} again resumes the guest after the exit: an unhandled port read or MMIO read
 * returns all-ones bytes, an unhandled MSR access raises {@code #GP} in the guest.
 */
public sealed interface ExitOutcome {
    /**
     * The guest shut itself down with {@code sched_op(SCHEDOP_shutdown)} and the handler accepted it
     * (returned 0). The vCPU must not be run again.
     *
     * @param reason the {@code SHUTDOWN_*} reason the guest passed ({@code -1} if it was unreadable)
     */
    record Shutdown(int reason) implements ExitOutcome {
    }

    /** The guest executed {@code hlt}; run it again when it has something to do (an event). */
    record Halted() implements ExitOutcome {
    }

    /** The run deadline passed while the guest was still running (a guest that never yields). */
    record DeadlineExceeded() implements ExitOutcome {
    }

    /** The vCPU triple-faulted ({@code KVM_EXIT_SHUTDOWN}): the guest is dead. */
    record TripleFault() implements ExitOutcome {
    }

    /**
     * A port access pv-kvm does not serve ({@code KVM_EXIT_IO} on a port other than the hypercall port).
     *
     * @param port the I/O port
     * @param out true for {@code out}, false for {@code in}
     * @param size access size in bytes (1, 2 or 4)
     * @param count repetitions ({@code rep ins/outs})
     * @param value the first value written for {@code out} (little-endian, {@code size} bytes), else 0
     */
    record PortIo(int port, boolean out, int size, int count, long value) implements ExitOutcome {
    }

    /**
     * An access to guest-physical memory no memory slot backs ({@code KVM_EXIT_MMIO}).
     *
     * @param address the guest-physical address
     * @param write whether it was a write
     * @param length access size in bytes (1 to 8)
     */
    record Mmio(long address, boolean write, int length) implements ExitOutcome {
    }

    /**
     * An MSR access pv-kvm does not serve; the guest gets {@code #GP} when it resumes.
     *
     * @param index the MSR
     * @param write whether it was {@code wrmsr}
     * @param value the value written ({@code wrmsr}), else 0
     */
    record MsrAccess(int index, boolean write, long value) implements ExitOutcome {
    }

    /**
     * KVM could not handle an exit ({@code KVM_EXIT_INTERNAL_ERROR}), for example an instruction its
     * emulator does not implement.
     *
     * @param suberror {@code KVM_INTERNAL_ERROR_*} (1: emulation failed)
     * @param data the diagnostic words KVM supplied (at most 16)
     */
    record InternalError(int suberror, long[] data) implements ExitOutcome {
        /**
         * Copies the data.
         *
         * @param suberror the sub-error
         * @param data the diagnostic words
         */
        public InternalError {
            data = data.clone();
        }

        /**
         * The diagnostic words.
         *
         * @return a copy
         */
        @Override
        public long[] data() {
            return data.clone();
        }
    }

    /**
     * Entering the guest failed ({@code KVM_EXIT_FAIL_ENTRY}): the vCPU state is invalid.
     *
     * @param hardwareReason the hardware's entry-failure reason
     * @param cpu the host CPU
     */
    record FailEntry(long hardwareReason, int cpu) implements ExitOutcome {
    }

    /**
     * A KVM system event ({@code KVM_EXIT_SYSTEM_EVENT}).
     *
     * @param type {@code KVM_SYSTEM_EVENT_*}
     */
    record SystemEvent(int type) implements ExitOutcome {
    }

    /**
     * An exit reason pv-kvm does not map.
     *
     * @param exitReason the {@code KVM_EXIT_*} number
     */
    record Unhandled(int exitReason) implements ExitOutcome {
    }
}
