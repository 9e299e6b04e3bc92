package io.pvkit.hypervisor.internal;

import io.pvkit.abi.DomId;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.platform.HvmOp;
import io.pvkit.abi.platform.HvmParam;
import io.pvkit.abi.platform.PhysMapSpace;
import io.pvkit.abi.platform.VcpuOp;
import io.pvkit.abi.platform.XenAddToPhysmapLayout;
import io.pvkit.abi.platform.XenHvmParamLayout;
import io.pvkit.abi.platform.XenMemOp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@code memory_op}, {@code hvm_op} and {@code vcpu_op}: the few operations a PVH-style guest needs to find
 * and place its special pages, plus bringing secondary vCPUs up.
 *
 * <p>{@code XENMEM_add_to_physmap}: pvkit memory cannot alias frames, so the shared_info page and the grant
 * table frames already live where the builder put them; the call succeeds (0) when it names exactly that
 * frame ({@code XENMAPSPACE_shared_info} idx 0 at the start_info frame; {@code XENMAPSPACE_grant_table} idx
 * i at grant frame i, which also grows the table to i+1 frames) and is {@code -EINVAL} for any other gpfn
 * or space. A domain acts on itself ({@code DOMID_SELF} or its id); on another only when privileged
 * ({@code -EPERM} otherwise).
 *
 * <p>HVM params: a domain reads any of its own params; reading or setting another domain's params needs
 * privilege ({@code -EPERM}); an unprivileged domain may not set the params the builder owns (store and
 * console pfn and event channel), only the others (e.g. {@code HVM_PARAM_CALLBACK_IRQ}).
 */
final class PlatformOps {
    private static final long ENOSYS = XenErrno.ENOSYS.negated();
    private static final long EINVAL = XenErrno.EINVAL.negated();
    private static final long EPERM = XenErrno.EPERM.negated();
    private static final long ESRCH = XenErrno.ESRCH.negated();

    private final DomainTable domains;
    private final LibraryDomains library;
    private final Platform platform;

    PlatformOps(DomainTable domains, LibraryDomains library, Platform platform) {
        this.domains = domains;
        this.library = library;
        this.platform = platform;
    }

    /** A target domain, or null with {@code error[0]} set. */
    private DomainRecord target(DomainRecord caller, int domid, long[] error) {
        if (domid == DomId.SELF || domid == caller.domid) {
            return caller;
        }
        if (!caller.privileged) {
            error[0] = EPERM;
            return null;
        }
        DomainRecord t = domains.get(domid);
        if (t == null || t.phase() >= DomainRecord.DYING) {
            error[0] = ESRCH;
            return null;
        }
        return t;
    }

    long memoryOp(DomainRecord d, HypercallContext c, long cmd, long arg) {
        if (cmd != XenMemOp.ADD_TO_PHYSMAP) {
            return ENOSYS;
        }
        // UNTRUSTED: one private copy
        MemorySegment a = c.copyIn(arg, XenAddToPhysmapLayout.LAYOUT);
        long[] error = new long[1];
        DomainRecord t = target(d, Short.toUnsignedInt(a.get(ValueLayout.JAVA_SHORT, XenAddToPhysmapLayout.DOMID_OFFSET)), error);
        if (t == null) {
            return error[0];
        }
        PhysMapSpace space = PhysMapSpace.of(Integer.toUnsignedLong(a.get(ValueLayout.JAVA_INT, XenAddToPhysmapLayout.SPACE_OFFSET)))
                .orElse(null);
        long idx = a.get(ValueLayout.JAVA_LONG, XenAddToPhysmapLayout.IDX_OFFSET);
        long gpfn = a.get(ValueLayout.JAVA_LONG, XenAddToPhysmapLayout.GPFN_OFFSET);
        if (space == PhysMapSpace.SHARED_INFO) {
            return idx == 0 && gpfn == t.map.sharedInfoGfn() ? 0 : EINVAL;
        }
        if (space == PhysMapSpace.GRANT_TABLE) {
            if (idx < 0 || idx >= t.map.grantFrames() || gpfn != t.map.grantBaseGfn() + idx) {
                return EINVAL; // includes XENMAPIDX_grant_table_status (v1 has no status frames)
            }
            return library.growGrantTable(t.domid, (int) idx + 1) ? 0 : EINVAL;
        }
        return EINVAL;
    }

    long hvmOp(DomainRecord d, HypercallContext c, long op, long arg) {
        if (op == HvmOp.SET_EVTCHN_UPCALL_VECTOR) {
            return 0; // pvkit delivers upcalls by waking the vCPU; any vector is accepted
        }
        if (op != HvmOp.SET_PARAM && op != HvmOp.GET_PARAM) {
            return ENOSYS;
        }
        MemorySegment a = c.copyIn(arg, XenHvmParamLayout.LAYOUT);
        long[] error = new long[1];
        DomainRecord t = target(d, Short.toUnsignedInt(a.get(ValueLayout.JAVA_SHORT, XenHvmParamLayout.DOMID_OFFSET)), error);
        if (t == null) {
            return error[0];
        }
        long index = Integer.toUnsignedLong(a.get(ValueLayout.JAVA_INT, XenHvmParamLayout.INDEX_OFFSET));
        if (index >= DomainRecord.HVM_NR_PARAMS) {
            return EINVAL;
        }
        if (op == HvmOp.GET_PARAM) {
            a.set(ValueLayout.JAVA_LONG, XenHvmParamLayout.VALUE_OFFSET, t.hvmParams.get((int) index));
            c.copyOut(arg, XenHvmParamLayout.LAYOUT, a);
            return 0;
        }
        if (!d.privileged && builderOwned((int) index)) {
            return EPERM;
        }
        t.hvmParams.set((int) index, a.get(ValueLayout.JAVA_LONG, XenHvmParamLayout.VALUE_OFFSET));
        return 0;
    }

    private static boolean builderOwned(int index) {
        return index == HvmParam.STORE_PFN || index == HvmParam.STORE_EVTCHN || index == HvmParam.CONSOLE_PFN
                || index == HvmParam.CONSOLE_EVTCHN;
    }

    long vcpuOp(DomainRecord d, HypercallContext c, long cmd, long vcpuId) {
        long id = vcpuId & 0xFFFF_FFFFL;
        if (cmd != VcpuOp.UP && cmd != VcpuOp.IS_UP) {
            return ENOSYS;
        }
        if (id >= d.vcpus) {
            return XenErrno.ENOENT.negated();
        }
        if (cmd == VcpuOp.IS_UP) {
            return d.threads()[(int) id] != null ? 1 : 0;
        }
        if (d.entry == null) {
            return EINVAL;
        }
        platform.startVcpu(d, (int) id);
        return 0;
    }
}
