package io.pvkit.events;

import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.EvtchnAllocUnboundLayout;
import io.pvkit.abi.evtchn.EvtchnBindInterdomainLayout;
import io.pvkit.abi.evtchn.EvtchnBindIpiLayout;
import io.pvkit.abi.evtchn.EvtchnBindVcpuLayout;
import io.pvkit.abi.evtchn.EvtchnBindVirqLayout;
import io.pvkit.abi.evtchn.EvtchnCloseLayout;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.evtchn.EvtchnResetLayout;
import io.pvkit.abi.evtchn.EvtchnSendLayout;
import io.pvkit.abi.evtchn.EvtchnStatusLayout;
import io.pvkit.abi.evtchn.EvtchnUnmaskLayout;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.hypercall.HypercallResults;
import io.pvkit.abi.memory.GuestMemoryFault;
import io.pvkit.abi.spi.HypercallHandler;
import io.pvkit.events.internal.EventChannelOpEvent;
import io.pvkit.events.spi.ErrorHandler;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The {@code __HYPERVISOR_event_channel_op(cmd, arg)} hypercall (32) on top of {@link EventChannels}:
 * reads the argument structure from the caller's memory with pv-abi's layouts, performs the operation
 * as the calling domain, and writes the OUT fields back.
 *
 * <p>Argument handling follows Xen's {@code do_event_channel_op}: the structure is copied in once into
 * a private buffer ({@link HypercallContext#copyIn}; no field is read twice from guest memory), the
 * copy is validated by the operation, and on success the whole structure is copied back (for the ops
 * with OUT fields). A bad pointer gives {@code -EFAULT}, an unknown {@code cmd} gives {@code -ENOSYS},
 * the FIFO sub-ops give {@code -EOPNOTSUPP} (Xen built without FIFO; guests fall back to 2-level) and
 * {@code bind_pirq} gives {@code -EINVAL} (no physical IRQs). No exception escapes to the guest: an
 * unexpected one (a bug) answers {@code -EINVAL} and goes to the {@link ErrorHandler}.
 *
 * <p>As a {@link HypercallHandler} it answers only {@link HypercallOp#EVENT_CHANNEL_OP} and returns
 * {@code -ENOSYS} for every other hypercall, so a hypervisor can delegate op 32 to it directly.
 */
public final class EventChannelHypercalls implements HypercallHandler {
    private static final long ENOSYS = XenErrno.ENOSYS.negated();
    private static final long EINVAL = XenErrno.EINVAL.negated();
    private static final long EOPNOTSUPP = XenErrno.EOPNOTSUPP.negated();
    private static final long EFAULT = XenErrno.EFAULT.negated();
    private static final long SEND_CMD = EvtchnOp.SEND.code();

    private final EventChannels channels;
    private final ErrorHandler errorHandler;

    /**
     * An adapter over {@code channels} that logs unexpected exceptions ({@link ErrorHandler#LOG}).
     *
     * @param channels the hypervisor's event channels
     */
    public EventChannelHypercalls(EventChannels channels) {
        this(channels, ErrorHandler.LOG);
    }

    /**
     * An adapter over {@code channels}.
     *
     * @param channels the hypervisor's event channels
     * @param errorHandler receives every unexpected exception (a bug in pv-events or in the platform's
     *     {@link io.pvkit.events.spi.VcpuKicker}); the guest still sees only {@code -EINVAL}
     */
    public EventChannelHypercalls(EventChannels channels, ErrorHandler errorHandler) {
        this.channels = Objects.requireNonNull(channels, "channels");
        this.errorHandler = Objects.requireNonNull(errorHandler, "errorHandler");
    }

    /**
     * The event channels this adapter drives.
     *
     * @return the event channels
     */
    public EventChannels channels() {
        return channels;
    }

    @Override
    public long hypercall(HypercallContext caller, long op, long arg1, long arg2, long arg3, long arg4, long arg5) {
        if (op != HypercallOp.EVENT_CHANNEL_OP.number()) {
            return ENOSYS;
        }
        return eventChannelOp(caller, arg1, arg2);
    }

    /**
     * Performs {@code event_channel_op(cmd, arg)} for {@code caller}.
     *
     * @param caller the calling domain and vCPU, with its memory
     * @param cmd the {@code EVTCHNOP_*} sub-op (untrusted)
     * @param arg the guest address of the argument structure (untrusted)
     * @return the result: 0 on success, a negated errno otherwise
     */
    public long eventChannelOp(HypercallContext caller, long cmd, long arg) {
        final EventChannelOpEvent event = new EventChannelOpEvent();
        if (event.isEnabled()) {
            event.begin();
        }
        final long result = dispatchOp(caller, cmd, arg);
        if (event.isEnabled()) {
            event.end();
            if (event.shouldCommit()) {
                event.domid = caller.domid();
                event.vcpu = caller.vcpu();
                event.cmd = cmd;
                event.result = result;
                event.commit();
            }
        }
        return result;
    }

    private long dispatchOp(HypercallContext caller, long cmd, long arg) {
        if (cmd == SEND_CMD) {
            return send(caller, arg);
        }
        Optional<EvtchnOp> op = EvtchnOp.of(cmd);
        if (op.isEmpty()) {
            return ENOSYS;
        }
        try {
            return HypercallResults.guard(() -> dispatch(caller, op.get(), arg));
        } catch (RuntimeException e) {
            return bug(e);
        }
    }

    /**
     * {@code EVTCHNOP_send}, the hot path (every notification of every ring): the structure is one
     * {@code u32}, so its single read is its copy; no private buffer, no lambda, nothing allocated.
     * Same answers as the general path: {@code -EFAULT} for a bad or misaligned pointer, {@code -EINVAL}
     * after an unexpected exception.
     */
    private long send(HypercallContext caller, long arg) {
        try {
            final long gpa = caller.resolve(arg, EvtchnSendLayout.SIZE, EvtchnSendLayout.LAYOUT.byteAlignment());
            // UNTRUSTED: the port is read once from guest memory and validated by EventChannels.send.
            final int port = caller.memory().getInt(gpa + EvtchnSendLayout.PORT_OFFSET);
            return channels.send(caller.domid(), port);
        } catch (GuestMemoryFault fault) {
            return EFAULT;
        } catch (RuntimeException e) {
            return bug(e);
        }
    }

    /** A bug in pv-events (or the kicker) must not take the calling guest's vCPU thread down, nor vanish. */
    private long bug(RuntimeException e) {
        try {
            errorHandler.onError(e);
        } catch (RuntimeException dropped) {
            // the error handler must not throw; the guest still gets its answer
        }
        return EINVAL;
    }

    private long dispatch(HypercallContext caller, EvtchnOp op, long arg) {
        int me = caller.domid();
        // UNTRUSTED: every field below is read from the private copy (one fetch), then validated by
        // EventChannels; u16 domain ids are zero-extended, u32 ports/vCPUs keep their raw bits.
        MemorySegment a = caller.copyIn(arg, op.argLayout());
        switch (op) {
            case ALLOC_UNBOUND -> {
                int port = channels.allocUnbound(me, u16(a, EvtchnAllocUnboundLayout.DOM_OFFSET),
                        u16(a, EvtchnAllocUnboundLayout.REMOTE_DOM_OFFSET));
                return outPort(caller, arg, a, port, EvtchnAllocUnboundLayout.PORT_OFFSET);
            }
            case BIND_INTERDOMAIN -> {
                int port = channels.bindInterdomain(me, u16(a, EvtchnBindInterdomainLayout.REMOTE_DOM_OFFSET),
                        a.get(JAVA_INT, EvtchnBindInterdomainLayout.REMOTE_PORT_OFFSET));
                return outPort(caller, arg, a, port, EvtchnBindInterdomainLayout.LOCAL_PORT_OFFSET);
            }
            case BIND_VIRQ -> {
                int port = channels.bindVirq(me, a.get(JAVA_INT, EvtchnBindVirqLayout.VIRQ_OFFSET),
                        a.get(JAVA_INT, EvtchnBindVirqLayout.VCPU_OFFSET));
                return outPort(caller, arg, a, port, EvtchnBindVirqLayout.PORT_OFFSET);
            }
            case BIND_IPI -> {
                int port = channels.bindIpi(me, a.get(JAVA_INT, EvtchnBindIpiLayout.VCPU_OFFSET));
                return outPort(caller, arg, a, port, EvtchnBindIpiLayout.PORT_OFFSET);
            }
            case CLOSE -> {
                return channels.close(me, a.get(JAVA_INT, EvtchnCloseLayout.PORT_OFFSET));
            }
            case SEND -> {
                return channels.send(me, a.get(JAVA_INT, EvtchnSendLayout.PORT_OFFSET));
            }
            case UNMASK -> {
                return channels.unmask(me, a.get(JAVA_INT, EvtchnUnmaskLayout.PORT_OFFSET));
            }
            case BIND_VCPU -> {
                return channels.bindVcpu(me, a.get(JAVA_INT, EvtchnBindVcpuLayout.PORT_OFFSET),
                        a.get(JAVA_INT, EvtchnBindVcpuLayout.VCPU_OFFSET));
            }
            case RESET -> {
                return channels.reset(me, u16(a, EvtchnResetLayout.DOM_OFFSET));
            }
            case STATUS -> {
                ChannelStatus s = channels.status(me, u16(a, EvtchnStatusLayout.DOM_OFFSET),
                        a.get(JAVA_INT, EvtchnStatusLayout.PORT_OFFSET));
                if (!s.ok()) {
                    return s.status();
                }
                a.set(JAVA_INT, EvtchnStatusLayout.STATUS_OFFSET, s.state().code());
                a.set(JAVA_INT, EvtchnStatusLayout.VCPU_OFFSET, s.vcpu());
                a.asSlice(EvtchnStatusLayout.U_OFFSET).fill((byte) 0);
                switch (s.state()) {
                    case UNBOUND -> a.set(JAVA_SHORT, EvtchnStatusLayout.U_UNBOUND_DOM_OFFSET, (short) s.remoteDom());
                    case INTERDOMAIN -> {
                        a.set(JAVA_SHORT, EvtchnStatusLayout.U_INTERDOMAIN_DOM_OFFSET, (short) s.remoteDom());
                        a.set(JAVA_INT, EvtchnStatusLayout.U_INTERDOMAIN_PORT_OFFSET, s.remotePort());
                    }
                    case VIRQ -> a.set(JAVA_INT, EvtchnStatusLayout.U_VIRQ_OFFSET, s.virq());
                    default -> {
                        // closed, ipi: no union member
                    }
                }
                caller.copyOut(arg, a);
                return 0;
            }
            case BIND_PIRQ -> {
                return EINVAL;
            }
            default -> {
                return EOPNOTSUPP; // INIT_CONTROL, EXPAND_ARRAY, SET_PRIORITY: FIFO ABI not provided
            }
        }
    }

    private static int u16(MemorySegment a, long offset) {
        return Short.toUnsignedInt(a.get(JAVA_SHORT, offset));
    }

    private static long outPort(HypercallContext caller, long arg, MemorySegment a, int port, long offset) {
        if (port < 0) {
            return port;
        }
        a.set(JAVA_INT, offset, port);
        caller.copyOut(arg, a);
        return 0;
    }
}
