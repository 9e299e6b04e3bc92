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
