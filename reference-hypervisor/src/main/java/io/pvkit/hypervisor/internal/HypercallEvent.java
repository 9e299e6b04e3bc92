package io.pvkit.hypervisor.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR event {@code io.pvkit.Hypercall}: one hypercall through the reference hypervisor's dispatcher, with the
 * caller, the op number, the first argument (the sub-op of the multiplexed hypercalls) and the result; its
 * duration is the time spent in the hypervisor. Off by default ({@code @Enabled(false)}): a recording turns it
 * on with {@code jfr configure} or a {@code .jfc} naming {@code io.pvkit.Hypercall#enabled=true} (a threshold
 * keeps only the slow ones).
 *
 * <p>When off, the JIT removes the event object: no allocation and no time measurable against the same
 * dispatcher with the event code removed ({@link #COMPILED_IN} false; {@code HypercallDispatchBenchmark}).
 */
@Name("io.pvkit.Hypercall")
@Label("Hypercall")
@Category({"pvkit", "Hypervisor"})
@Description("A hypercall handled by the reference hypervisor's dispatcher: caller, op, sub-op, result")
@Enabled(false)
@StackTrace(false)
public final class HypercallEvent extends Event {
    /**
     * Whether the dispatcher contains the event code at all: true unless the system property
     * {@code pvkit.hypervisor.jfr} is {@code false} (read once at class initialisation). Only for measuring
     * what the disabled event costs: with it false, the JIT sees a constant and drops the event code.
     */
    public static final boolean COMPILED_IN = !"false".equals(System.getProperty("pvkit.hypervisor.jfr"));

    /** The calling domain. */
    @Label("Domain")
    public int domid;
    /** The calling vCPU. */
    @Label("vCPU")
    public int vcpu;
    /** The hypercall number ({@code __HYPERVISOR_*}). */
    @Label("Op")
    public long op;
    /** The first argument: the sub-op ({@code cmd}) of {@code event_channel_op}, {@code grant_table_op} and so on. */
    @Label("First argument")
    public long arg1;
    /** The result the guest sees: 0, a positive value, or a negated errno. */
    @Label("Result")
    public long result;
}
