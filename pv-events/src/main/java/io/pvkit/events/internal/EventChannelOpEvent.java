package io.pvkit.events.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR event {@code io.pvkit.EventChannelOp}: one {@code __HYPERVISOR_event_channel_op} hypercall handled by
 * {@code EventChannelHypercalls}, with the caller, the sub-op and the result. Off by default; enable it in a
 * recording's settings ({@code io.pvkit.EventChannelOp#enabled=true}). When off, nothing is allocated.
 */
@Name("io.pvkit.EventChannelOp")
@Label("Hypercall event_channel_op")
@Category({"pvkit", "Hypercalls"})
@Description("__HYPERVISOR_event_channel_op(cmd, arg) handled by pv-events")
@Enabled(false)
@StackTrace(false)
public final class EventChannelOpEvent extends Event {
    /** The calling domain. */
    @Label("Domain")
    public int domid;
    /** The calling vCPU. */
    @Label("vCPU")
    public int vcpu;
    /** The EVTCHNOP_* sub-op. */
    @Label("Command")
    public long cmd;
    /** 0, or the negated errno returned to the guest. */
    @Label("Result")
    public long result;
}
