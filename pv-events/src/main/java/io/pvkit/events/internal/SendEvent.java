package io.pvkit.events.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR event {@code io.pvkit.EventChannelSend}: one {@code EVTCHNOP_send} (a notification), with the sender, the
 * port and the result. Off by default ({@code @Enabled(false)}): a recording turns it on with
 * {@code jfr configure} or {@code -XX:StartFlightRecording:...,settings=<file>} naming
 * {@code io.pvkit.EventChannelSend#enabled=true}. When off, the JIT removes the event object
 * ({@code EventSendHypercallBenchmark}: 0 B/op, no time measurable above the noise).
 */
@Name("io.pvkit.EventChannelSend")
@Label("Event channel send")
@Category({"pvkit", "Event channels"})
@Description("EVTCHNOP_send: a domain notifies the other end of an event channel")
@Enabled(false)
@StackTrace(false)
public final class SendEvent extends Event {
    /**
     * Whether the event code is on the send path at all: true unless {@code -Dpvkit.events.jfr=false}. Only for
     * measuring what the disabled event costs ({@code JfrOffBenchmark} in pvkit's benchmarks): with it false the JIT
     * sees a constant and drops the event code, the "compiled out" side of the comparison.
     */
    public static final boolean COMPILED_IN = !"false".equals(System.getProperty("pvkit.events.jfr"));

    /** The sending domain. */
    @Label("Domain")
    public int domid;
    /** The sender's port. */
    @Label("Port")
    public int port;
    /** 0, or the negated errno the send returned. */
    @Label("Result")
    public int result;
}
