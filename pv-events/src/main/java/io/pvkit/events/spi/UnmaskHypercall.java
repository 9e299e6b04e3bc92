package io.pvkit.events.spi;

import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.evtchn.EvtchnUnmaskLayout;
import io.pvkit.abi.hypercall.GuestHypercalls;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * How a guest's {@link io.pvkit.events.UpcallDemultiplexer} unmasks a port that is not bound to its vCPU:
 * {@code EVTCHNOP_unmask}, so that the hypervisor raises a pending event on the port's notify vCPU and
 * kicks that vCPU (Linux's {@code evtchn_2l_unmask} takes this slow path whenever the port belongs to
 * another CPU). A guest cannot do this with shared-memory bits alone: setting its own selector would
 * leave the event with a vCPU that has no handler for it, and it cannot wake another vCPU.
 *
 * <p>Called on the thread that calls {@code unmask}; must not call back into that demultiplexer.
 */
@FunctionalInterface
public interface UnmaskHypercall {
    /**
     * No hypercall path: a demultiplexer built with it refuses to unmask a port it does not serve
     * ({@link IllegalStateException}) instead of leaving the port stuck.
     */
    UnmaskHypercall NONE = port -> {
        throw new IllegalStateException("port " + port + " is not registered on this vCPU and the demultiplexer "
                + "has no EVTCHNOP_unmask path (construct it with an UnmaskHypercall)");
    };

    /**
     * Issues {@code EVTCHNOP_unmask} for {@code port}.
     *
     * @param port the port
     * @return the hypervisor's result: 0, or a negated errno
     */
    long unmask(int port);

    /**
     * The hypercall through pv-abi's guest-side wrappers (its scratch area holds the
     * {@code evtchn_unmask} structure during the call).
     *
     * @param hypercalls the calling vCPU's hypercall helpers
     * @return the unmask path
     */
    static UnmaskHypercall via(GuestHypercalls hypercalls) {
        Objects.requireNonNull(hypercalls, "hypercalls");
        return port -> {
            MemorySegment arg = MemorySegment.ofArray(new byte[(int) EvtchnUnmaskLayout.LAYOUT.byteSize()]);
            arg.set(ValueLayout.JAVA_INT_UNALIGNED, EvtchnUnmaskLayout.PORT_OFFSET, port);
            return hypercalls.eventChannelOp(EvtchnOp.UNMASK, arg);
        };
    }
}
