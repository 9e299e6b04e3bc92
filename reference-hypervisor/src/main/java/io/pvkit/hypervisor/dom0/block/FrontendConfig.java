package io.pvkit.hypervisor.dom0.block;

import io.pvkit.hypervisor.dom0.xenstore.LocalConnection;

import java.util.ArrayList;
import java.util.List;

/**
 * What the frontend wrote before it switched to Initialised, read ONCE and validated (Linux's
 * {@code connect_ring} / {@code read_per_ring_refs}): the ring page order, for each queue its ring
 * references and event channel, the protocol and {@code feature-persistent}.
 *
 * <p>Keys (all UNTRUSTED: guest-written): {@code multi-queue-num-queues} (absent = 1; 1..max),
 * {@code ring-page-order} (absent = 0; 0..max), {@code ring-ref} (order 0) or {@code ring-ref0..ring-ref{2^k-1}}
 * (order k &gt; 0), {@code event-channel}; with more than one queue the ring references and event channel
 * live under {@code queue-<i>/} instead. {@code protocol} absent or {@code x86_64-abi};
 * {@code feature-persistent} absent, 0 or 1. Numbers are unsigned decimals of at most 10 digits that fit 32
 * bits. The first bad value makes {@link #read} throw {@link Invalid} with a message for the {@code error}
 * node.
 *
 * @param order the ring page order (2^order pages per ring)
 * @param queues one entry per queue
 * @param persistent whether the frontend asked for persistent grants
 */
record FrontendConfig(int order, List<Queue> queues, boolean persistent) {
    /** The only protocol served (the x86_64 layouts of pv-abi). */
    static final String PROTOCOL = "x86_64-abi";

    /**
     * One queue's ring and channel.
     *
     * @param ringRefs the grant references of the ring pages, in order
     * @param eventChannel the frontend's port
     */
    record Queue(int[] ringRefs, int eventChannel) {
    }

    /** A value the frontend wrote is missing or invalid. */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message);
        }
    }

    /**
     * Reads and validates the frontend's keys, each exactly once.
     *
     * @param xs domain 0's xenstore connection
     * @param frontend the frontend directory
     * @param maxQueues the largest {@code multi-queue-num-queues} accepted
     * @param maxOrder the largest {@code ring-page-order} accepted
     * @return the configuration
     * @throws Invalid on the first missing or bad value
     */
    static FrontendConfig read(LocalConnection xs, String frontend, int maxQueues, int maxOrder) throws Invalid {
        // UNTRUSTED: every value below is guest-written; each is read once into a local and validated
        String nq = xs.read(frontend + "/multi-queue-num-queues");
        long queues = nq == null ? 1 : parse("multi-queue-num-queues", nq);
        if (queues < 1 || queues > maxQueues) {
            throw new Invalid("multi-queue-num-queues " + queues + " not in 1.." + maxQueues);
        }
        String po = xs.read(frontend + "/ring-page-order");
        long order = po == null ? 0 : parse("ring-page-order", po);
        if (order > maxOrder) {
            throw new Invalid("ring-page-order " + order + " above max-ring-page-order " + maxOrder);
        }
        String protocol = xs.read(frontend + "/protocol");
        if (protocol != null && !protocol.equals(PROTOCOL)) {
            throw new Invalid("unsupported protocol '" + printable(protocol) + "' (only " + PROTOCOL + ")");
        }
        String fp = xs.read(frontend + "/feature-persistent");
        long persistent = fp == null ? 0 : parse("feature-persistent", fp);
        if (persistent > 1) {
            throw new Invalid("feature-persistent must be 0 or 1, got " + persistent);
        }
        List<Queue> list = new ArrayList<>();
        for (int q = 0; q < queues; q++) {
            String dir = queues == 1 ? frontend : frontend + "/queue-" + q;
            int pages = 1 << order;
            int[] refs = new int[pages];
            for (int i = 0; i < pages; i++) {
                String key = order == 0 ? "ring-ref" : "ring-ref" + i;
                String v = xs.read(dir + "/" + key);
                if (v == null) {
                    throw new Invalid("missing " + dir + "/" + key);
                }
                refs[i] = (int) parse(key, v);
            }
            String ev = xs.read(dir + "/event-channel");
            if (ev == null) {
                throw new Invalid("missing " + dir + "/event-channel");
            }
            long port = parse("event-channel", ev);
            if (port == 0 || port > Integer.MAX_VALUE) {
                throw new Invalid("event-channel " + port + " is not a port");
            }
            list.add(new Queue(refs, (int) port));
        }
        return new FrontendConfig((int) order, List.copyOf(list), persistent == 1);
    }

    /** An unsigned decimal of at most 10 digits that fits 32 bits. */
    static long parse(String key, String text) throws Invalid {
        if (text.isEmpty() || text.length() > 10) {
            throw new Invalid(key + " is not a number: '" + printable(text) + "'");
        }
        long v = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                throw new Invalid(key + " is not a number: '" + printable(text) + "'");
            }
            v = v * 10 + (c - '0');
        }
        if (v > 0xFFFF_FFFFL) {
            throw new Invalid(key + " " + v + " does not fit 32 bits");
        }
        return v;
    }

    /** At most 64 printable ASCII characters of a guest-written value, for messages. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 64; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return b.toString();
    }
}
