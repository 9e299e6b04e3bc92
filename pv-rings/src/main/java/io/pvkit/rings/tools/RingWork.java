package io.pvkit.rings.tools;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.rings.BackRing;
import io.pvkit.rings.FrontRing;
import io.pvkit.rings.SharedBackRing;
import io.pvkit.rings.SharedFrontRing;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The work per request of {@link RingPeer}'s exchange, without waiting: its front and its back
 * ({@link PeerFront}, {@link PeerBack}, the same code the peer runs) stepped alternately by one thread over private
 * memory: fill the ring and push, serve every request and push, consume every response. No second process, no
 * idling and no cache line moving between cores: what is left is the CPU cost of the ring code and the protocol's
 * work (payloads, CRC-32C), the figure to set against the C pair's {@code xen_ring_pair loop} (benchmarks).
 *
 * <pre>
 * java -cp pv-rings.jar:pv-abi.jar io.pvkit.rings.tools.RingWork RING-PAGES COUNT [WARMUP]
 * </pre>
 *
 * <p>Prints {@code loop n=<count> bad=<b> measured=<count - warmup> seconds=<s> cpu=<s> [thread-cpu=<s>]}: wall,
 * process CPU time (JIT and GC threads included) and, on Linux, this thread's own CPU time over the exchanges
 * after the first {@code WARMUP} (JIT warm-up excluded); 64-byte requests, 16-byte
 * responses, ring initialised at {@code 0xFFFFFFF0} (index wrap included), as the cross-process figures.
 */
public final class RingWork {
    private static final long TIMEOUT_NANOS = 600_000_000_000L;

    private RingWork() {
    }

    /**
     * Entry point.
     *
     * @param args {@code RING-PAGES COUNT [WARMUP]}
     */
    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: RingWork RING-PAGES COUNT [WARMUP]");
            System.exit(64);
        }
        String line = run(Integer.parseInt(args[0]), Long.parseLong(args[1]), args.length > 2 ? Long.parseLong(args[2]) : 0);
        System.out.println(line);
        System.exit(line.contains(" bad=0 ") ? 0 : 1);
    }

    /**
     * Runs the loop in this thread.
     *
     * @param pages ring pages (at least 1)
     * @param count exchanges
     * @param warmup exchanges before the timed window, in {@code [0, count]}
     * @return the summary line
     */
    public static String run(int pages, long count, long warmup) {
        if (pages < 1 || count < 0 || warmup < 0 || warmup > count) {
            throw new IllegalArgumentException("need pages >= 1 and 0 <= warmup <= count");
        }
        RingPeer.Options o = new RingPeer.Options(true, Path.of("unused"), pages, 64, 16, count, 0xFFFFFFF0, 1,
                TIMEOUT_NANOS, Integer.MAX_VALUE, warmup);
        try (GuestMemory memory = GuestMemory.allocate(pages)) {
            FrontRing front = SharedFrontRing.initialise(memory, o.type(), o.start(), FrontRing.ResponseValidator.ACCEPT_ALL);
            BackRing back = SharedBackRing.attach(memory, o.type(), o.start());
            PeerFront f = new PeerFront(front, o, new RingPeer.Waiter(TIMEOUT_NANOS));
            PeerBack b = new PeerBack(back, o, new RingPeer.Waiter(TIMEOUT_NANOS));
            RingPeer.markStart();
            boolean warm = warmup == 0;
            while (f.received() < count) {
                if (!warm && f.received() >= warmup) {
                    warm = true;
                    RingPeer.markStart();
                }
                // the front never idles here: each step puts requests or finds the back's responses
                f.step();
                if (back.unconsumedRequests() > 0) {
                    b.step();
                }
            }
            return RingPeer.summary("loop", count, f.bad() + b.bad(), warmup);
        }
    }
}
