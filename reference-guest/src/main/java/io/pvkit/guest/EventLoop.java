package io.pvkit.guest;

import io.pvkit.abi.evtchn.EvtchnStatus;
import io.pvkit.events.EventHandler;
import io.pvkit.events.UpcallDemultiplexer;

import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * The guest's event loop on its vCPU: pv-events' {@link UpcallDemultiplexer} over the guest's
 * {@code shared_info}, woken by {@code SCHEDOP_block}, as a Linux PVH guest's idle loop and upcall
 * handler are.
 *
 * <p>{@link #awaitEvents()} is the one place the vCPU sleeps: if no upcall is due it blocks in the
 * hypervisor ({@code SCHEDOP_block} returns when an event is pending for the vCPU), then runs one upcall,
 * which calls the handlers of the pending, unmasked ports. Handlers run on the vCPU thread, inside
 * {@link #awaitEvents()}, {@link #pollEvents()} or {@link #pause()}.
 *
 * <p>A hypercall that fails throws {@link HypercallException}; {@code -ESRCH} means the hypervisor has
 * halted the domain ({@link HypercallException#domainHalted()}), and the guest must stop.
 *
 * <p>Not thread-safe: the vCPU's thread only.
 */
public final class EventLoop {
    private static final long PAUSE_NANOS = 50_000;

    private final PlatformCalls calls;
    private final UpcallDemultiplexer demux;
    private long blocks;

    EventLoop(PlatformCalls calls, UpcallDemultiplexer demux) {
        this.calls = Objects.requireNonNull(calls, "calls");
        this.demux = Objects.requireNonNull(demux, "demux");
    }

    /**
     * Registers the handler of one of the guest's ports and unmasks the port (an event already pending
     * is delivered at the next upcall).
     *
     * @param port the local port, 1..4095
     * @param handler what runs on each event
     */
    public void bind(int port, EventHandler handler) {
        demux.register(port, handler);
        demux.unmask(port);
    }

    /**
     * Masks a port and forgets its handler.
     *
     * @param port the local port
     */
    public void unbind(int port) {
        demux.unregister(port);
    }

    /**
     * Notifies the remote end of a port ({@code EVTCHNOP_send}).
     *
     * @param port the local port
     * @throws HypercallException when the hypervisor refuses
     */
    public void send(int port) {
        long rc = calls.hypercalls().send(port);
        if (rc < 0) {
            throw new HypercallException("EVTCHNOP_send(port " + port + ")", rc);
        }
    }

    /**
     * The state of one of the guest's ports ({@code EVTCHNOP_status}).
     *
     * @param port the local port
     * @return the state
     * @throws HypercallException when the hypervisor refuses or answers an unknown state
     */
    public EvtchnStatus status(int port) {
        long rc = calls.portStatus(port);
        if (rc < 0) {
            throw new HypercallException("EVTCHNOP_status(port " + port + ")", rc);
        }
        // UNTRUSTED: the state comes back through guest memory; an unknown value is an error
        return EvtchnStatus.of(rc).orElseThrow(
                () -> new IllegalStateException("EVTCHNOP_status(port " + port + ") returned unknown state " + rc));
    }

    /**
     * Sleeps until an event is pending ({@code SCHEDOP_block} unless an upcall is already due), then
     * handles one upcall.
     *
     * @return the number of handler calls made (0 after a spurious wake-up)
     * @throws HypercallException when the block hypercall fails (for example, the domain is halted)
     */
    public int awaitEvents() {
        if (!demux.upcallPending()) {
            blocks++;
            long rc = calls.block();
            if (rc < 0) {
                throw new HypercallException("SCHEDOP_block", rc);
            }
        }
        return demux.handleUpcall();
    }

    /**
     * Handles an upcall if one is due, without sleeping.
     *
     * @return the number of handler calls made
     */
    public int pollEvents() {
        return demux.upcallPending() ? demux.handleUpcall() : 0;
    }

    /**
     * A short pause for a peer that may not notify (the console backend draining a full ring): handles
     * any due upcall, yields the vCPU ({@code SCHEDOP_yield}) and rests about 50 microseconds, like a
     * guest's {@code cpu_relax()} loop with a delay.
     *
     * @throws HypercallException when the yield fails (for example, the domain is halted)
     */
    public void pause() {
        if (pollEvents() > 0) {
            return;
        }
        long rc = calls.hypercalls().yieldCpu();
        if (rc < 0) {
            throw new HypercallException("SCHEDOP_yield", rc);
        }
        LockSupport.parkNanos(PAUSE_NANOS);
    }

    /**
     * How many times the vCPU blocked in the hypervisor.
     *
     * @return the count
     */
    public long blocks() {
        return blocks;
    }

    /**
     * The demultiplexer, for code that needs pv-events directly.
     *
     * @return the guest's demultiplexer for vCPU 0
     */
    public UpcallDemultiplexer demultiplexer() {
        return demux;
    }
}
