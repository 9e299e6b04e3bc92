package io.pvkit.abi.hypercall;

import io.pvkit.abi.DomId;
import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.evtchn.EvtchnAllocUnboundLayout;
import io.pvkit.abi.evtchn.EvtchnBindInterdomainLayout;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.evtchn.EvtchnSendLayout;
import io.pvkit.abi.grant.GnttabSetupTableLayout;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.platform.ConsoleIoOp;
import io.pvkit.abi.platform.HvmOp;
import io.pvkit.abi.platform.SchedOp;
import io.pvkit.abi.platform.SchedShutdownLayout;
import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.abi.platform.XenAddToPhysmapLayout;
import io.pvkit.abi.platform.XenHvmParamLayout;
import io.pvkit.abi.platform.XenMemOp;
import io.pvkit.abi.platform.XenVersionOp;
import io.pvkit.abi.spi.HypercallHandler;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * The guest side of the hypercall ABI: marshals argument structures into a scratch area of the
 * calling domain's own memory, passes their guest-physical addresses to the hypervisor's
 * {@link HypercallHandler}, and copies the structures back (for [OUT] fields).
 *
 * <p>This is what a PV guest's {@code HYPERVISOR_*} wrappers do with stack buffers: the hypervisor
 * only ever sees guest addresses and reads them with {@link HypercallContext#copyIn}. Each vCPU
 * needs its own instance (the scratch area is reused by every call and not locked).
 *
 * {@snippet :
 * GuestHypercalls hc = new GuestHypercalls(hypervisor, HypercallContext.of(1, 0, false, mem),
 *         GuestMemory.gpaOf(15), GuestMemory.PAGE_SIZE);
 * long port = hc.allocUnbound(0);          // port number, or a negated errno
 * hc.consoleWrite("hello\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
 * }
 *
 * <p>Only the x86_64 convention exists: 64-bit arguments and x86_64 struct layouts. A 32-bit guest
 * would need its own layouts (for example {@code blkif_request} is 108 bytes there) and argument
 * truncation.
 */
public final class GuestHypercalls {
    /** The smallest scratch area accepted: large enough for every modelled argument structure. */
    public static final long MIN_SCRATCH_BYTES = 256;

    private final HypercallHandler hypervisor;
    private final HypercallContext self;
    private final long scratchGpa;
    private final long scratchBytes;
    /** The scratch area as one segment, sliced once (the per-call helpers copy through it without allocating). */
    private final MemorySegment scratchArea;

    /**
     * The outcome of a call that also returns a value through its argument structure.
     *
     * @param result the hypercall's return value (negative errno on failure)
     * @param value the returned value; meaningful only when {@code result >= 0}
     */
    public record Result(long result, long value) {
        /**
         * Whether the call succeeded.
         *
         * @return {@code result >= 0}
         */
        public boolean ok() {
            return result >= 0;
        }
    }

    /**
     * Creates the helpers for one vCPU.
     *
     * @param hypervisor the hypervisor's entry point
     * @param self the calling domain and vCPU (its memory holds the scratch area)
     * @param scratchGpa guest-physical address of the scratch area, 8-aligned
     * @param scratchBytes size of the scratch area, at least {@link #MIN_SCRATCH_BYTES}
     */
    public GuestHypercalls(HypercallHandler hypervisor, HypercallContext self, long scratchGpa, long scratchBytes) {
        this.hypervisor = Objects.requireNonNull(hypervisor, "hypervisor");
        this.self = Objects.requireNonNull(self, "self");
        if (scratchBytes < MIN_SCRATCH_BYTES || (scratchGpa & 7) != 0 || !self.memory().contains(scratchGpa, scratchBytes)) {
            throw new IllegalArgumentException("scratch area must be 8-aligned, at least " + MIN_SCRATCH_BYTES
                    + " bytes and inside the domain's memory: gpa 0x" + Long.toHexString(scratchGpa) + ", " + scratchBytes + " bytes");
        }
        this.scratchGpa = scratchGpa;
        this.scratchBytes = scratchBytes;
        this.scratchArea = self.memory().slice(scratchGpa, scratchBytes);
    }

    /**
     * The raw call: op number and five arguments, exactly what the hypervisor receives.
     *
     * @param op the hypercall number
     * @param a1 first argument
     * @param a2 second argument
     * @param a3 third argument
     * @param a4 fourth argument
     * @param a5 fifth argument
     * @return the hypervisor's result
     */
    public long call(long op, long a1, long a2, long a3, long a4, long a5) {
        return hypervisor.hypercall(self, op, a1, a2, a3, a4, a5);
    }

    /**
     * A call with up to five arguments; missing arguments are 0.
     *
     * @param op the hypercall
     * @param args at most five arguments
     * @return the hypervisor's result
     */
    public long call(HypercallOp op, long... args) {
        if (args.length > 5) {
            throw new IllegalArgumentException("x86_64 hypercalls take at most 5 arguments, got " + args.length);
        }
        int n = args.length;
        // no copy of the array: missing arguments are read as 0 (the varargs array itself is the caller's)
        return call(op.number(), n > 0 ? args[0] : 0, n > 1 ? args[1] : 0, n > 2 ? args[2] : 0,
                n > 3 ? args[3] : 0, n > 4 ? args[4] : 0);
    }

    /**
     * Calls {@code op(cmd, &arg)}: copies {@code arg} into the scratch area, calls, and copies the
     * structure back into {@code arg} so that [OUT] fields can be read from it.
     *
     * @param op the hypercall
     * @param cmd the sub-op
     * @param layout the argument structure's layout
     * @param arg the caller's copy of the structure, exactly {@code layout.byteSize()} bytes (updated)
     * @return the hypervisor's result
     */
    public long callWithArg(HypercallOp op, long cmd, MemoryLayout layout, MemorySegment arg) {
        checkSize(layout.byteSize(), arg);
        long size = arg.byteSize();
        checkScratch(size);
        // no slice and no varargs array: a device backend issues these per request (0 B/op)
        MemorySegment.copy(arg, 0, scratchArea, 0, size);
        long result = call(op.number(), cmd, scratchGpa, 0, 0, 0);
        MemorySegment.copy(scratchArea, 0, arg, 0, size);
        return result;
    }

    /**
     * Calls {@code op(cmd, elements, count)} for an array of structures (the {@code grant_table_op}
     * convention) and copies the elements back.
     *
     * @param op the hypercall
     * @param cmd the sub-op
     * @param element one element's layout
     * @param elements the caller's elements, a whole number of {@code element}s (updated)
     * @return the hypervisor's result
     */
    public long callWithArray(HypercallOp op, long cmd, MemoryLayout element, MemorySegment elements) {
        if (elements.byteSize() % element.byteSize() != 0) {
            throw new IllegalArgumentException("not a whole number of " + element.name().orElse("elements"));
        }
        long size = elements.byteSize();
        checkScratch(size);
        // no slice and no varargs array: a device backend issues these per request (0 B/op)
        MemorySegment.copy(elements, 0, scratchArea, 0, size);
        long result = call(op.number(), cmd, scratchGpa, size / element.byteSize(), 0, 0);
        MemorySegment.copy(scratchArea, 0, elements, 0, size);
        return result;
    }

    /**
     * {@code EVTCHNOP_*} with its argument structure.
     *
     * @param op the sub-op
     * @param arg the caller's structure ({@code op.argLayout()}-sized; updated)
     * @return the hypervisor's result
     */
    public long eventChannelOp(EvtchnOp op, MemorySegment arg) {
        return callWithArg(HypercallOp.EVENT_CHANNEL_OP, op.code(), op.argLayout(), arg);
    }

    /**
     * {@code GNTTABOP_*} on an array of elements.
     *
     * @param op the sub-op
     * @param elements a whole number of {@code op.argLayout()} elements (updated)
     * @return the hypervisor's result (0 when the batch was processed; see each element's status)
     */
    public long grantTableOp(GrantTableOp op, MemorySegment elements) {
        return callWithArray(HypercallOp.GRANT_TABLE_OP, op.code(), op.argLayout(), elements);
    }

    /**
     * {@code EVTCHNOP_alloc_unbound} for this domain.
     *
     * @param remoteDom the domain that may bind the port
     * @return the new port, or a negated errno
     */
    public long allocUnbound(int remoteDom) {
        MemorySegment a = newStruct(EvtchnAllocUnboundLayout.LAYOUT);
        a.set(ValueLayout.JAVA_SHORT, EvtchnAllocUnboundLayout.DOM_OFFSET, (short) DomId.SELF);
        a.set(ValueLayout.JAVA_SHORT, EvtchnAllocUnboundLayout.REMOTE_DOM_OFFSET, (short) remoteDom);
        long rc = eventChannelOp(EvtchnOp.ALLOC_UNBOUND, a);
        return rc < 0 ? rc : Integer.toUnsignedLong(a.get(ValueLayout.JAVA_INT, EvtchnAllocUnboundLayout.PORT_OFFSET));
    }

    /**
     * {@code EVTCHNOP_bind_interdomain}.
     *
     * @param remoteDom the remote domain
     * @param remotePort its unbound port
     * @return the new local port, or a negated errno
     */
    public long bindInterdomain(int remoteDom, int remotePort) {
        MemorySegment a = newStruct(EvtchnBindInterdomainLayout.LAYOUT);
        a.set(ValueLayout.JAVA_SHORT, EvtchnBindInterdomainLayout.REMOTE_DOM_OFFSET, (short) remoteDom);
        a.set(ValueLayout.JAVA_INT, EvtchnBindInterdomainLayout.REMOTE_PORT_OFFSET, remotePort);
        long rc = eventChannelOp(EvtchnOp.BIND_INTERDOMAIN, a);
        return rc < 0 ? rc : Integer.toUnsignedLong(a.get(ValueLayout.JAVA_INT, EvtchnBindInterdomainLayout.LOCAL_PORT_OFFSET));
    }

    /**
     * {@code EVTCHNOP_send}.
     *
     * @param port the local port
     * @return 0 or a negated errno
     */
    public long send(int port) {
        // the hot path of every notification: the 4-byte structure is written straight into the scratch area
        // (at least MIN_SCRATCH_BYTES; no private copy, no slice, no varargs), so a send allocates nothing
        self.memory().setInt(scratchGpa + EvtchnSendLayout.PORT_OFFSET, port);
        return hypervisor.hypercall(self, HypercallOp.EVENT_CHANNEL_OP.number(), EvtchnOp.SEND.code(), scratchGpa, 0, 0, 0);
    }

    /**
     * {@code GNTTABOP_setup_table} for this domain: Xen writes the table's frame numbers into a list
     * in the scratch area, which is copied into {@code frames}.
     *
     * @param frames receives one gfn per grant table frame; its length is {@code nr_frames}
     * @return the call's result if negative, else the element's {@code GNTST_*} status
     */
    public long setupTable(long[] frames) {
        long listOffset = align8(GnttabSetupTableLayout.SIZE);
        MemorySegment scratch = scratch(listOffset + frames.length * 8L);
        scratch.fill((byte) 0);
        scratch.set(ValueLayout.JAVA_SHORT, GnttabSetupTableLayout.DOM_OFFSET, (short) DomId.SELF);
        scratch.set(ValueLayout.JAVA_INT, GnttabSetupTableLayout.NR_FRAMES_OFFSET, frames.length);
        scratch.set(ValueLayout.JAVA_LONG, GnttabSetupTableLayout.FRAME_LIST_OFFSET, scratchGpa + listOffset);
        long rc = call(HypercallOp.GRANT_TABLE_OP, GrantTableOp.SETUP_TABLE.code(), scratchGpa, 1);
        if (rc < 0) {
            return rc;
        }
        short status = scratch.get(ValueLayout.JAVA_SHORT, GnttabSetupTableLayout.STATUS_OFFSET);
        if (status == 0) {
            MemorySegment.copy(scratch, ValueLayout.JAVA_LONG, listOffset, frames, 0, frames.length);
        }
        return status;
    }

    /**
     * {@code XENMEM_add_to_physmap} for this domain.
     *
     * @param space a {@code XENMAPSPACE_*} value
     * @param idx the index in that space
     * @param gpfn where the frame should appear
     * @return 0 or a negated errno
     */
    public long addToPhysmap(int space, long idx, long gpfn) {
        MemorySegment a = newStruct(XenAddToPhysmapLayout.LAYOUT);
        a.set(ValueLayout.JAVA_SHORT, XenAddToPhysmapLayout.DOMID_OFFSET, (short) DomId.SELF);
        a.set(ValueLayout.JAVA_INT, XenAddToPhysmapLayout.SPACE_OFFSET, space);
        a.set(ValueLayout.JAVA_LONG, XenAddToPhysmapLayout.IDX_OFFSET, idx);
        a.set(ValueLayout.JAVA_LONG, XenAddToPhysmapLayout.GPFN_OFFSET, gpfn);
        return callWithArg(HypercallOp.MEMORY_OP, XenMemOp.ADD_TO_PHYSMAP, XenAddToPhysmapLayout.LAYOUT, a);
    }

    /**
     * {@code HVMOP_get_param} for this domain.
     *
     * @param index an {@code HVM_PARAM_*} index
     * @return the result and the parameter's value
     */
    public Result getHvmParam(int index) {
        MemorySegment a = newStruct(XenHvmParamLayout.LAYOUT);
        a.set(ValueLayout.JAVA_SHORT, XenHvmParamLayout.DOMID_OFFSET, (short) DomId.SELF);
        a.set(ValueLayout.JAVA_INT, XenHvmParamLayout.INDEX_OFFSET, index);
        long rc = callWithArg(HypercallOp.HVM_OP, HvmOp.GET_PARAM, XenHvmParamLayout.LAYOUT, a);
        return new Result(rc, a.get(ValueLayout.JAVA_LONG, XenHvmParamLayout.VALUE_OFFSET));
    }

    /**
     * {@code SCHEDOP_shutdown}.
     *
     * @param reason why
     * @return the hypervisor's result (a real hypervisor does not return to a shut-down vCPU)
     */
    public long shutdown(ShutdownReason reason) {
        MemorySegment a = newStruct(SchedShutdownLayout.LAYOUT);
        a.set(ValueLayout.JAVA_INT, SchedShutdownLayout.REASON_OFFSET, reason.code());
        return callWithArg(HypercallOp.SCHED_OP, SchedOp.SHUTDOWN.code(), SchedShutdownLayout.LAYOUT, a);
    }

    /**
     * {@code SCHEDOP_yield}.
     *
     * @return the hypervisor's result
     */
    public long yieldCpu() {
        return call(HypercallOp.SCHED_OP, SchedOp.YIELD.code(), 0);
    }

    /**
     * {@code XENVER_version}.
     *
     * @return {@code major << 16 | minor}, or a negated errno
     */
    public long xenVersion() {
        return call(HypercallOp.XEN_VERSION, XenVersionOp.VERSION, 0);
    }

    /**
     * {@code CONSOLEIO_write}, in scratch-sized chunks.
     *
     * @param bytes the bytes to write
     * @return 0, or the first negated errno
     */
    public long consoleWrite(byte[] bytes) {
        int done = 0;
        while (done < bytes.length) {
            int n = (int) Math.min(bytes.length - done, scratchBytes);
            MemorySegment.copy(bytes, done, scratch(n), ValueLayout.JAVA_BYTE, 0, n);
            long rc = call(HypercallOp.CONSOLE_IO, ConsoleIoOp.WRITE, n, scratchGpa);
            if (rc < 0) {
                return rc;
            }
            done += n;
        }
        return 0;
    }

    private MemorySegment scratch(long bytes) {
        checkScratch(bytes);
        return scratchArea.asSlice(0, bytes);
    }

    private void checkScratch(long bytes) {
        if (bytes > scratchBytes) {
            throw new IllegalArgumentException(bytes + " bytes of arguments do not fit the " + scratchBytes
                    + "-byte scratch area");
        }
    }

    private static MemorySegment newStruct(MemoryLayout layout) {
        return MemorySegment.ofArray(new long[(int) align8(layout.byteSize()) / 8]).asSlice(0, layout.byteSize());
    }

    private static long align8(long n) {
        return (n + 7) & ~7L;
    }

    private static void checkSize(long expected, MemorySegment arg) {
        if (arg.byteSize() != expected) {
            throw new IllegalArgumentException("argument of " + arg.byteSize() + " bytes, the structure has " + expected);
        }
    }

    /**
     * The scratch area's guest-physical address (where argument structures are marshalled).
     *
     * @return the address given at construction
     */
    public long scratchAddress() {
        return scratchGpa;
    }

    /**
     * Whether a guest address lies in this instance's scratch area (useful in tests and diagnostics).
     *
     * @param gpa a guest-physical address
     * @return whether {@code gpa} is in {@code [scratchAddress, scratchAddress + size)}
     */
    public boolean inScratch(long gpa) {
        return gpa >= scratchGpa && gpa - scratchGpa < scratchBytes;
    }
}
