package io.pvkit.hypervisor.dom0;

import io.pvkit.abi.evtchn.EvtchnBindVirqLayout;
import io.pvkit.abi.evtchn.EvtchnCloseLayout;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.grant.GnttabUnmapGrantRefLayout;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.hypercall.GuestHypercalls;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The hypercall wrappers domain 0's services use, on top of pv-abi's {@link GuestHypercalls} (one
 * instance, on domain 0's only vCPU).
 */
final class Dom0Calls {
    private final GuestHypercalls hc;

    Dom0Calls(GuestHypercalls hc) {
        this.hc = hc;
    }

    GuestHypercalls raw() {
        return hc;
    }

    /** @return the local port, or a negated errno */
    long bindVirq(int virq) {
        MemorySegment a = struct(EvtchnBindVirqLayout.LAYOUT);
        a.set(ValueLayout.JAVA_INT, EvtchnBindVirqLayout.VIRQ_OFFSET, virq);
        a.set(ValueLayout.JAVA_INT, EvtchnBindVirqLayout.VCPU_OFFSET, 0);
        long rc = hc.eventChannelOp(EvtchnOp.BIND_VIRQ, a);
        return rc < 0 ? rc : a.get(ValueLayout.JAVA_INT, EvtchnBindVirqLayout.PORT_OFFSET);
    }

    long bindInterdomain(int remoteDom, int remotePort) {
        return hc.bindInterdomain(remoteDom, remotePort);
    }

    long send(int port) {
        return hc.send(port);
    }

    long close(int port) {
        MemorySegment a = struct(EvtchnCloseLayout.LAYOUT);
        a.set(ValueLayout.JAVA_INT, EvtchnCloseLayout.PORT_OFFSET, port);
        return hc.eventChannelOp(EvtchnOp.CLOSE, a);
    }

    /**
     * {@code GNTTABOP_map_grant_ref} of one reference with {@code GNTMAP_host_map}.
     *
     * @return {@code {status, handle}}; status is the call's negative errno or the element's GNTST code
     */
    int[] mapGrant(int dom, int ref, long hostAddr) {
        MemorySegment a = struct(GnttabMapGrantRefLayout.LAYOUT);
        a.set(ValueLayout.JAVA_LONG, GnttabMapGrantRefLayout.HOST_ADDR_OFFSET, hostAddr);
        a.set(ValueLayout.JAVA_INT, GnttabMapGrantRefLayout.FLAGS_OFFSET, io.pvkit.abi.grant.GntMap.HOST_MAP);
        a.set(ValueLayout.JAVA_INT, GnttabMapGrantRefLayout.REF_OFFSET, ref);
        a.set(ValueLayout.JAVA_SHORT, GnttabMapGrantRefLayout.DOM_OFFSET, (short) dom);
        long rc = hc.grantTableOp(GrantTableOp.MAP_GRANT_REF, a);
        if (rc < 0) {
            return new int[] {(int) rc, -1};
        }
        return new int[] {a.get(ValueLayout.JAVA_SHORT, GnttabMapGrantRefLayout.STATUS_OFFSET),
            a.get(ValueLayout.JAVA_INT, GnttabMapGrantRefLayout.HANDLE_OFFSET)};
    }

    /** @return the call's negative errno or the element's GNTST code */
    int unmapGrant(int handle, long hostAddr) {
        MemorySegment a = struct(GnttabUnmapGrantRefLayout.LAYOUT);
        a.set(ValueLayout.JAVA_LONG, GnttabUnmapGrantRefLayout.HOST_ADDR_OFFSET, hostAddr);
        a.set(ValueLayout.JAVA_INT, GnttabUnmapGrantRefLayout.HANDLE_OFFSET, handle);
        long rc = hc.grantTableOp(GrantTableOp.UNMAP_GRANT_REF, a);
        return rc < 0 ? (int) rc : a.get(ValueLayout.JAVA_SHORT, GnttabUnmapGrantRefLayout.STATUS_OFFSET);
    }

    private static MemorySegment struct(MemoryLayout layout) {
        return MemorySegment.ofArray(new long[(int) ((layout.byteSize() + 7) / 8)]).asSlice(0, layout.byteSize());
    }
}
