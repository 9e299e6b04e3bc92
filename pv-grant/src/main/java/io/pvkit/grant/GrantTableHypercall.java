package io.pvkit.grant;

import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GnttabCopyLayout;
import io.pvkit.abi.grant.GnttabGetStatusFramesLayout;
import io.pvkit.abi.grant.GnttabGetVersionLayout;
import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.grant.GnttabQuerySizeLayout;
import io.pvkit.abi.grant.GnttabSetVersionLayout;
import io.pvkit.abi.grant.GnttabSetupTableLayout;
import io.pvkit.abi.grant.GnttabSwapGrantRefLayout;
import io.pvkit.abi.grant.GnttabUnmapGrantRefLayout;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.GuestMemoryFault;
import io.pvkit.abi.spi.HypercallHandler;
import io.pvkit.grant.internal.Gntst;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * {@code HYPERVISOR_grant_table_op(cmd, uops, count)} on top of {@link GrantTables}: reads the array of
 * {@code count} argument structures from the caller's memory, performs each element and writes that
 * element's outputs (its {@code status} and, for map, {@code handle} and {@code dev_bus_addr}) back.
 *
 * <p>Result: 0 when the batch was processed (each element's own result is in its {@code status}),
 * {@code -EFAULT} at the first element whose address is bad (earlier elements stay done, as in Xen),
 * {@code -ENOSYS} for an unsupported command, {@code -EINVAL} for a count with the top bit set (Xen's
 * {@code (int)count < 0}) or a count other than 1 for the single-element commands (setup_table,
 * query_size, get_status_frames, set_version, get_version). Every element is copied into a private buffer
 * before it is decoded (no double fetch) and validated on its own.
 *
 * <p><b>Bounded work and continuation.</b> One call performs at most {@code maxElementsPerCall} elements of
 * a batch (map, unmap, copy, swap_grant_ref). When more remain it returns a <em>positive</em> number
 * {@code done}: the elements {@code 0 .. done-1} are complete (their statuses written), and the caller
 * continues exactly as Xen's {@code hypercall_create_continuation} does, by issuing the same command again
 * with {@code uops + done * sizeof(element)} and {@code count - done}, before it returns to the guest (Xen
 * rewrites the guest's hypercall registers and re-executes the call, so a guest never sees a positive
 * result). A dispatcher loops:
 * {@snippet :
 * long rc;
 * while ((rc = grants.grantTableOp(ctx, cmd, uops, count)) > 0) {
 *     uops += rc * GrantTableOp.of(cmd).orElseThrow().argLayout().byteSize();
 *     count -= rc;     // other vCPUs and domains get the lock between the calls
 * }
 * return rc;           // 0 or a negated errno: what the guest sees
 * }
 *
 * <p>Supported commands: map_grant_ref, unmap_grant_ref, setup_table, copy,
 * query_size, set_version (v1 only), get_status_frames (refused: v1 has no status frames), get_version,
 * swap_grant_ref. Not supported ({@code -ENOSYS}): transfer, unmap_and_replace, cache_flush, and dump_table
 * (as in Xen 4.x, whose {@code do_grant_table_op} has no case for it, so no caller, privileged or not,
 * learns anything about any domain through it).
 */
public final class GrantTableHypercall implements HypercallHandler {
    /** The largest {@code nr_frames} this adapter ever stages (far above any table's maximum). */
    private static final int MAX_STAGED_FRAMES = 1 << 16;
    /** Per-thread private copy of one {@code gnttab_copy} element (hypercalls on one thread do not nest). */
    private static final ThreadLocal<MemorySegment> COPY_SCRATCH = ThreadLocal.withInitial(
            () -> MemorySegment.ofArray(new long[(int) ((GnttabCopyLayout.SIZE + 7) / 8)]));

    /** The default bound on the elements one call performs before it asks to be continued. */
    public static final int DEFAULT_MAX_ELEMENTS_PER_CALL = 1024;

    private final GrantTables tables;
    private final int maxElementsPerCall;

    /**
     * Creates the adapter with {@link #DEFAULT_MAX_ELEMENTS_PER_CALL}.
     *
     * @param tables the hypervisor's grant tables
     */
    public GrantTableHypercall(GrantTables tables) {
        this(tables, DEFAULT_MAX_ELEMENTS_PER_CALL);
    }

    /**
     * Creates the adapter.
     *
     * @param tables the hypervisor's grant tables
     * @param maxElementsPerCall the most elements of a batch one call performs (at least 1); more are
     *     continued (see the class documentation)
     */
    public GrantTableHypercall(GrantTables tables, int maxElementsPerCall) {
        this.tables = Objects.requireNonNull(tables, "tables");
        if (maxElementsPerCall < 1) {
            throw new IllegalArgumentException("maxElementsPerCall must be positive");
        }
        this.maxElementsPerCall = maxElementsPerCall;
    }

    /**
     * Handles {@code __HYPERVISOR_grant_table_op} (20) with {@code arg1 = cmd}, {@code arg2 = uops},
     * {@code arg3 = count}; any other hypercall number is {@code -ENOSYS}. A positive result asks for a
     * continuation (see {@link #grantTableOp}).
     */
    @Override
    public long hypercall(HypercallContext caller, long op, long arg1, long arg2, long arg3, long arg4, long arg5) {
        if (op != HypercallOp.GRANT_TABLE_OP.number()) {
            return XenErrno.ENOSYS.negated();
        }
        return grantTableOp(caller, arg1, arg2, arg3);
    }

    /**
     * Performs one {@code grant_table_op}.
     *
     * @param caller the calling domain
     * @param cmd the GNTTABOP number (untrusted)
     * @param uops the guest address of the argument array (untrusted)
     * @param count the number of elements (unsigned 32-bit, untrusted)
     * @return 0 when all elements are done, a negated errno, or a positive number of elements done when the
     *     call stopped at {@code maxElementsPerCall} and must be continued with the rest
     */
    public long grantTableOp(HypercallContext caller, long cmd, long uops, long count) {
        Objects.requireNonNull(caller, "caller");
        GrantTableOp gop = GrantTableOp.ofOrNull(cmd);
        if (gop == null) {
            return XenErrno.ENOSYS.negated();
        }
        // UNTRUSTED: count is an unsigned int in the C ABI; Xen refuses one with the top bit set; each element
        // is resolved on its own, and at most maxElementsPerCall are done per call (the rest is continued)
        long n = count & 0xFFFF_FFFFL;
        if (n > Integer.MAX_VALUE) {
            return XenErrno.EINVAL.negated();
        }
        MemoryLayout layout = gop.argLayout();
        long size = layout.byteSize();
        if (singleElement(gop) && n != 1) {
            return XenErrno.EINVAL.negated();
        }
        long todo = Math.min(n, maxElementsPerCall);
        try {
            for (long i = 0; i < todo; i++) {
                long addr = uops + i * size;
                if (gop == GrantTableOp.COPY) {
                    long rc = copyElement(caller, addr, size, layout.byteAlignment());
                    if (rc < 0) {
                        return rc;
                    }
                    continue;
                }
                MemorySegment arg = caller.copyIn(addr, layout);
                long gpa = caller.resolve(addr, size, layout.byteAlignment());
                long rc = switch (gop) {
                    case MAP_GRANT_REF -> map(caller, arg, gpa);
                    case UNMAP_GRANT_REF -> unmap(caller, arg, gpa);
                    case SETUP_TABLE -> setupTable(caller, arg, gpa);
                    case DUMP_TABLE -> XenErrno.ENOSYS.negated(); // Xen 4.x has no dump_table: -ENOSYS
                    case COPY -> copyElement(caller, addr, size, layout.byteAlignment()); // taken above
                    case QUERY_SIZE -> querySize(caller, arg, gpa);
                    case SET_VERSION -> setVersion(caller, arg, gpa);
                    case GET_STATUS_FRAMES -> status(caller, gpa + GnttabGetStatusFramesLayout.STATUS_OFFSET,
                            Gntst.GENERAL_ERROR); // v1 tables have no status frames; frame_list is never written
                    case GET_VERSION -> getVersion(caller, arg, gpa);
                    case SWAP_GRANT_REF -> status(caller, gpa + GnttabSwapGrantRefLayout.STATUS_OFFSET,
                            tables.swapGrantRef(caller.domid(), u32(arg, GnttabSwapGrantRefLayout.REF_A_OFFSET),
                                    u32(arg, GnttabSwapGrantRefLayout.REF_B_OFFSET)));
                    case TRANSFER, UNMAP_AND_REPLACE, CACHE_FLUSH -> XenErrno.ENOSYS.negated();
                };
                if (rc < 0) {
                    return rc;
                }
            }
            return todo < n ? todo : 0;
        } catch (GuestMemoryFault fault) {
            return XenErrno.EFAULT.negated();
        }
    }

    /** Xen handles these with exactly one element ({@code count != 1} is {@code -EINVAL}). */
    private static boolean singleElement(GrantTableOp gop) {
        return gop == GrantTableOp.SETUP_TABLE || gop == GrantTableOp.QUERY_SIZE
                || gop == GrantTableOp.GET_STATUS_FRAMES || gop == GrantTableOp.SET_VERSION
                || gop == GrantTableOp.GET_VERSION;
    }

    /**
     * One map element through {@link GrantTables#mapHandle}: no result object, and for a CHECKED table no view
     * until the mapper asks {@link GrantTables#viewOf} (a guest mapping through the hypercall never touches one).
     */
    private long map(HypercallContext caller, MemorySegment arg, long gpa) {
        int flags = arg.get(ValueLayout.JAVA_INT, GnttabMapGrantRefLayout.FLAGS_OFFSET);
        int r = tables.mapHandle(caller.domid(), u16(arg, GnttabMapGrantRefLayout.DOM_OFFSET),
                u32(arg, GnttabMapGrantRefLayout.REF_OFFSET), flags,
                arg.get(ValueLayout.JAVA_LONG, GnttabMapGrantRefLayout.HOST_ADDR_OFFSET));
        GuestMemory m = caller.memory();
        if (r >= 0) {
            m.setInt(gpa + GnttabMapGrantRefLayout.HANDLE_OFFSET, r);
            m.setLong(gpa + GnttabMapGrantRefLayout.DEV_BUS_ADDR_OFFSET,
                    (flags & GntMap.DEVICE_MAP) != 0 ? tables.devBusAddr(caller.domid(), r) : 0);
        }
        m.setShort(gpa + GnttabMapGrantRefLayout.STATUS_OFFSET, (short) Math.min(r, 0));
        return 0;
    }

    private long unmap(HypercallContext caller, MemorySegment arg, long gpa) {
        int st = tables.unmap(caller.domid(), arg.get(ValueLayout.JAVA_INT, GnttabUnmapGrantRefLayout.HANDLE_OFFSET),
                arg.get(ValueLayout.JAVA_LONG, GnttabUnmapGrantRefLayout.HOST_ADDR_OFFSET),
                arg.get(ValueLayout.JAVA_LONG, GnttabUnmapGrantRefLayout.DEV_BUS_ADDR_OFFSET));
        return status(caller, gpa + GnttabUnmapGrantRefLayout.STATUS_OFFSET, st);
    }

    private long setupTable(HypercallContext caller, MemorySegment arg, long gpa) {
        int dom = u16(arg, GnttabSetupTableLayout.DOM_OFFSET);
        long nr = u32(arg, GnttabSetupTableLayout.NR_FRAMES_OFFSET);
        long list = arg.get(ValueLayout.JAVA_LONG, GnttabSetupTableLayout.FRAME_LIST_OFFSET);
        long statusGpa = gpa + GnttabSetupTableLayout.STATUS_OFFSET;
        TableSize size = tables.querySize(caller.domid(), dom);
        if (size.status() != Gntst.OKAY) {
            return status(caller, statusGpa, size.status());
        }
        // UNTRUSTED: nr_frames is checked against the maximum, then the output array's capacity (XSA-382)
        if (nr > size.maxFrames() || nr > MAX_STAGED_FRAMES) {
            return status(caller, statusGpa, Gntst.GENERAL_ERROR);
        }
        long listGpa;
        try {
            listGpa = caller.resolve(list, nr * 8, 8);
        } catch (GuestMemoryFault fault) {
            return status(caller, statusGpa, Gntst.BAD_VIRT_ADDR);
        }
        long[] frames = new long[(int) nr];
        int st = tables.setupTable(caller.domid(), dom, nr, frames);
        if (st == Gntst.OKAY) {
            for (int i = 0; i < nr; i++) {
                caller.memory().setLong(listGpa + 8L * i, frames[i]);
            }
        }
        return status(caller, statusGpa, st);
    }

    /**
     * One GNTTABOP_copy element, the hot path of a backend (every request's data): the element is copied once
     * into this thread's scratch buffer (no double fetch, as {@link HypercallContext#copyIn} does, without
     * allocating), its fields go to the copy as primitives, and the status is written back.
     */
    private long copyElement(HypercallContext caller, long addr, long size, long alignment) {
        long gpa = caller.resolve(addr, size, alignment);
        MemorySegment arg = COPY_SCRATCH.get();
        // UNTRUSTED: one private copy of the element; every field below is read from it
        caller.memory().copyOut(gpa, arg, 0, size);
        int flags = u16(arg, GnttabCopyLayout.FLAGS_OFFSET);
        int st = tables.copy(caller.domid(),
                side(arg, GnttabCopyLayout.SOURCE_OFFSET, (flags & GntCopy.SOURCE_GREF) != 0),
                u16(arg, GnttabCopyLayout.SOURCE_OFFSET + GnttabCopyLayout.PTR_DOMID_OFFSET),
                u16(arg, GnttabCopyLayout.SOURCE_OFFSET + GnttabCopyLayout.PTR_OFFSET_OFFSET),
                side(arg, GnttabCopyLayout.DEST_OFFSET, (flags & GntCopy.DEST_GREF) != 0),
                u16(arg, GnttabCopyLayout.DEST_OFFSET + GnttabCopyLayout.PTR_DOMID_OFFSET),
                u16(arg, GnttabCopyLayout.DEST_OFFSET + GnttabCopyLayout.PTR_OFFSET_OFFSET),
                u16(arg, GnttabCopyLayout.LEN_OFFSET), flags);
        return status(caller, gpa + GnttabCopyLayout.STATUS_OFFSET, st);
    }

    private static long side(MemorySegment arg, long base, boolean gref) {
        long u = base + GnttabCopyLayout.PTR_U_OFFSET;
        return gref ? u32(arg, u) : arg.get(ValueLayout.JAVA_LONG, u);
    }

    private long querySize(HypercallContext caller, MemorySegment arg, long gpa) {
        TableSize s = tables.querySize(caller.domid(), u16(arg, GnttabQuerySizeLayout.DOM_OFFSET));
        if (s.status() == Gntst.OKAY) {
            caller.memory().setInt(gpa + GnttabQuerySizeLayout.NR_FRAMES_OFFSET, s.nrFrames());
            caller.memory().setInt(gpa + GnttabQuerySizeLayout.MAX_NR_FRAMES_OFFSET, s.maxFrames());
        }
        return status(caller, gpa + GnttabQuerySizeLayout.STATUS_OFFSET, s.status());
    }

    private static long setVersion(HypercallContext caller, MemorySegment arg, long gpa) {
        int wanted = arg.get(ValueLayout.JAVA_INT, GnttabSetVersionLayout.VERSION_OFFSET);
        caller.memory().setInt(gpa + GnttabSetVersionLayout.VERSION_OFFSET, 1); // Xen reports the version in use
        if (wanted == 1) {
            return 0;
        }
        return wanted == 2 ? XenErrno.EOPNOTSUPP.negated() : XenErrno.EINVAL.negated();
    }

    private long getVersion(HypercallContext caller, MemorySegment arg, long gpa) {
        int dom = target(caller, u16(arg, GnttabGetVersionLayout.DOM_OFFSET));
        if (!tables.hasDomain(dom)) {
            return XenErrno.ESRCH.negated();
        }
        if (dom != caller.domid() && !caller.privileged()) {
            return XenErrno.EPERM.negated();
        }
        caller.memory().setInt(gpa + GnttabGetVersionLayout.VERSION_OFFSET, 1);
        return 0;
    }

    private static int target(HypercallContext caller, int dom) {
        return dom == io.pvkit.abi.DomId.SELF ? caller.domid() : dom;
    }

    private static long status(HypercallContext caller, long statusGpa, int status) {
        caller.memory().setShort(statusGpa, (short) status);
        return 0;
    }

    private static int u16(MemorySegment arg, long offset) {
        return Short.toUnsignedInt(arg.get(ValueLayout.JAVA_SHORT, offset));
    }

    private static long u32(MemorySegment arg, long offset) {
        return Integer.toUnsignedLong(arg.get(ValueLayout.JAVA_INT, offset));
    }
}
