package io.pvkit.events;

import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.abi.spi.IdleStrategy;
import io.pvkit.abi.XenErrno;
import io.pvkit.events.internal.SharedInfoBits;
import io.pvkit.events.spi.ErrorHandler;
import io.pvkit.events.spi.UnmaskHypercall;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The guest side of the 2-level ABI for one vCPU: handler registration per port, mask and unmask, and
 * the upcall demultiplexer as Linux writes it ({@code __xen_evtchn_do_upcall} +
 * {@code evtchn_2l_handle_events}).
 *
 * <p>One upcall ({@link #handleUpcall()}) runs rounds of:
 * <ol>
 *   <li>clear {@code evtchn_upcall_pending} (first: an event raised from now on sets it again);</li>
 *   <li>swap {@code evtchn_pending_sel} to 0 (a full fence, after the clear);</li>
 *   <li>for each selected word, starting after the last port served (so a busy port cannot starve
 *       ports behind it), snapshot {@code pending & ~mask} of the ports registered here, and for each set
 *       bit atomically clear the pending bit, then run the handler;</li>
 * </ol>
 * and repeats while {@code evtchn_upcall_pending} was set again, at most {@code maxRounds} times. After
 * the last round it returns with {@code evtchn_upcall_pending} still set when more work arrived, so
 * the next {@link #awaitUpcall} returns at once: nothing is lost and a flooding peer costs at most
 * 2 × {@code maxRounds} handler calls per bound port per upcall (each round visits the start word twice;
 * pending is a level, not a count).
 *
 * <p>One deliberate difference from Linux: a port's handler runs only when this demultiplexer's atomic
 * test-and-clear of its pending bit found it set, so an event the hypervisor withdrew (the port was
 * closed in the meantime, which clears pending) is not dispatched.
 *
 * <p>Threading: {@link #handleUpcall()}, {@link #awaitUpcall}, {@link #awaitUpcallParked} and
 * {@link #unmask(int)} belong to the vCPU's thread. {@link #register}, {@link #unregister} and
 * {@link #mask(int)} may be called from any thread.
 *
 * {@snippet :
 * UpcallDemultiplexer demux = new UpcallDemultiplexer(memory, sharedInfoGfn, 0);
 * demux.register(port, p -> System.out.println("event on " + p));
 * demux.unmask(port);
 * while (running) {
 *     demux.awaitUpcall(idle);   // e.g. IdleStrategy.backoff(100, 10, 1_000, 1_000_000);   // or awaitUpcallParked with a ThreadVcpuKicker
 *     demux.handleUpcall();
 * }
 * }
 */
public final class UpcallDemultiplexer {
    /** Default bound on rounds per upcall. */
    public static final int DEFAULT_MAX_ROUNDS = 4;

    private static final int WORDS = SharedInfoLayout.EVTCHN_WORDS;

    private final SharedInfoBits bits;
    private final int vcpu;
    private final int maxRounds;
    private final UnmaskHypercall foreignUnmask;
    private final ErrorHandler errorHandler;
    private final AtomicReferenceArray<EventHandler> handlers = new AtomicReferenceArray<>(SharedInfoLayout.NR_2L_CHANNELS);
    private final AtomicLongArray bound = new AtomicLongArray(WORDS);

    // fairness cursor (Linux's per-cpu current_word_idx / current_bit_idx); vCPU thread only
    private int currentWord;
    private int currentBit;
    private long handlerFailures;

    /**
     * A demultiplexer for {@code vcpu} with {@link #DEFAULT_MAX_ROUNDS}.
     *
     * @param memory the guest's memory ({@link GuestMemory}, or any {@link MemoryAccess} over it)
     * @param sharedInfoGfn the frame holding the guest's {@code shared_info}
     * @param vcpu the vCPU this demultiplexer serves, 0..31
     */
    public UpcallDemultiplexer(MemoryAccess memory, long sharedInfoGfn, int vcpu) {
        this(memory, sharedInfoGfn, vcpu, DEFAULT_MAX_ROUNDS);
    }

    /**
     * A demultiplexer for {@code vcpu}.
     *
     * @param memory the guest's memory ({@link GuestMemory}, or any {@link MemoryAccess} over it)
     * @param sharedInfoGfn the frame holding the guest's {@code shared_info}
     * @param vcpu the vCPU this demultiplexer serves, 0..31
     * @param maxRounds the bound on scan rounds per {@link #handleUpcall()}, at least 1
     */
    public UpcallDemultiplexer(MemoryAccess memory, long sharedInfoGfn, int vcpu, int maxRounds) {
        this(memory, sharedInfoGfn, vcpu, maxRounds, UnmaskHypercall.NONE);
    }

    /**
     * A demultiplexer for {@code vcpu} that unmasks ports of other vCPUs through {@code foreignUnmask}.
     *
     * @param memory the guest's memory ({@link GuestMemory}, or any {@link MemoryAccess} over it)
     * @param sharedInfoGfn the frame holding the guest's {@code shared_info}
     * @param vcpu the vCPU this demultiplexer serves, 0..31
     * @param maxRounds the bound on scan rounds per {@link #handleUpcall()}, at least 1
     * @param foreignUnmask how {@link #unmask(int)} unmasks a port not registered here
     *     ({@code EVTCHNOP_unmask}, e.g. {@link UnmaskHypercall#via})
     */
    public UpcallDemultiplexer(MemoryAccess memory, long sharedInfoGfn, int vcpu, int maxRounds,
                               UnmaskHypercall foreignUnmask) {
        this(memory, sharedInfoGfn, vcpu, maxRounds, foreignUnmask, ErrorHandler.LOG);
    }

    /**
     * A demultiplexer for {@code vcpu} with every option.
     *
     * @param memory the guest's memory ({@link GuestMemory}, or any {@link MemoryAccess} over it)
     * @param sharedInfoGfn the frame holding the guest's {@code shared_info}
     * @param vcpu the vCPU this demultiplexer serves, 0..31
     * @param maxRounds the bound on scan rounds per {@link #handleUpcall()}, at least 1
     * @param foreignUnmask how {@link #unmask(int)} unmasks a port not registered here
     * @param errorHandler receives every exception a handler throws (the scan continues with the next
     *     port); {@link ErrorHandler#LOG} by default
     */
    public UpcallDemultiplexer(MemoryAccess memory, long sharedInfoGfn, int vcpu, int maxRounds,
                               UnmaskHypercall foreignUnmask, ErrorHandler errorHandler) {
        Objects.requireNonNull(memory, "memory");
        this.errorHandler = Objects.requireNonNull(errorHandler, "errorHandler");
        this.foreignUnmask = Objects.requireNonNull(foreignUnmask, "foreignUnmask");
        if (vcpu < 0 || vcpu >= SharedInfoLayout.LEGACY_MAX_VCPUS) {
            throw new IllegalArgumentException("vcpu must be 0.." + (SharedInfoLayout.LEGACY_MAX_VCPUS - 1));
        }
        if (maxRounds < 1) {
            throw new IllegalArgumentException("maxRounds must be positive, got " + maxRounds);
        }
        this.bits = new SharedInfoBits(memory, sharedInfoGfn, vcpu + 1);
        this.vcpu = vcpu;
        this.maxRounds = maxRounds;
    }

    private static void checkPort(int port) {
        if (port <= 0 || port >= SharedInfoLayout.NR_2L_CHANNELS) {
            throw new IllegalArgumentException("port must be 1.." + (SharedInfoLayout.NR_2L_CHANNELS - 1) + ", got " + port);
        }
    }

    /**
     * Registers the handler of a port bound to this vCPU (replacing any previous one). The port's mask
     * bit is not changed: call {@link #unmask(int)} to start receiving.
     *
     * @param port the port
     * @param handler the handler
     */
    public void register(int port, EventHandler handler) {
        checkPort(port);
        handlers.set(port, Objects.requireNonNull(handler, "handler"));
        bound.getAndAccumulate(port >>> 6, 1L << (port & 63), (a, b) -> a | b);
    }

    /**
     * Removes the handler of a port and masks it. A handler already running completes; no later event
     * of the port is dispatched here.
     *
     * @param port the port
     */
    public void unregister(int port) {
        checkPort(port);
        mask(port);
        bound.getAndAccumulate(port >>> 6, ~(1L << (port & 63)), (a, b) -> a & b);
        handlers.set(port, null);
    }

    /**
     * Masks a port (atomic set of {@code evtchn_mask[port]}).
     *
     * @param port the port
     */
    public void mask(int port) {
        checkPort(port);
        bits.testAndSetMask(port);
    }

    /**
     * Unmasks a port the way Linux's {@code evtchn_2l_unmask} does. For a port registered here (bound to
     * this vCPU): clear the mask, and when the port is pending set the selector bit and
     * {@code evtchn_upcall_pending}, so the next {@link #handleUpcall()} delivers it exactly once. For any
     * other port (bound to another vCPU): {@code EVTCHNOP_unmask} through the {@link UnmaskHypercall}
     * given at construction, so the hypervisor raises the event on the port's notify vCPU and kicks it.
     *
     * @param port the port
     * @return true when the port was registered here and pending (an upcall is now due on this vCPU)
     * @throws IllegalStateException for a port not registered here when the demultiplexer has no
     *     hypercall path ({@link UnmaskHypercall#NONE}), or when the hypercall failed
     */
    public boolean unmask(int port) {
        checkPort(port);
        if ((bound.get(port >>> 6) & (1L << (port & 63))) == 0) {
            long rc = foreignUnmask.unmask(port);
            if (rc < 0) {
                throw new IllegalStateException("EVTCHNOP_unmask of port " + port + " failed: " + XenErrno.describe(rc));
            }
            return false;
        }
        // ORDERING: clear the mask before testing pending (atomic RMW = full fence), so an event that
        // Xen sets pending concurrently is either seen here or raised by Xen itself (it sees the mask clear).
        bits.testAndClearMask(port);
        boolean pending = bits.isPending(port);
        if (pending && !bits.testAndSetSelector(vcpu, port >>> 6)) {
            bits.testAndSetUpcallPending(vcpu);
        }
        return pending;
    }

    /**
     * Whether {@code evtchn_upcall_pending} is set for this vCPU.
     *
     * @return true when an upcall is due
     */
    public boolean upcallPending() {
        return bits.isUpcallPending(vcpu);
    }

    /**
     * Waits, polling this vCPU's {@code vcpu_info} with {@code idle}, until an upcall is due (for a vCPU
     * in a process other than the hypervisor's, or a spinning vCPU).
     *
     * @param idle the idle strategy between polls (reset on return)
     */
    public void awaitUpcall(IdleStrategy idle) {
        while (!bits.isUpcallPending(vcpu)) {
            idle.idle();
        }
        idle.reset();
    }

    /**
     * Parks the calling thread until an upcall is due or the timeout passes (for a vCPU thread attached to
     * a {@link ThreadVcpuKicker}). The thread parks for the whole remaining timeout: only the kick (or a
     * spurious wake-up) ends the wait early, so the thread must be attached before it calls this (a kick
     * that comes before the park leaves the permit set, so it is not lost).
     *
     * @param timeoutNanos the maximum wait (none when zero or negative, down to {@code Long.MIN_VALUE})
     * @return true when an upcall is due
     */
    public boolean awaitUpcallParked(long timeoutNanos) {
        long deadline = System.nanoTime() + Math.max(0L, timeoutNanos); // a negative timeout must not wrap around
        while (!bits.isUpcallPending(vcpu)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            LockSupport.parkNanos(this, left);
        }
        return true;
    }

    /**
     * Handles one upcall: dispatches every pending, unmasked port registered here, with bounded work.
     *
     * @return the number of handler calls made
     */
    public int handleUpcall() {
        int dispatched = 0;
        int rounds = 0;
        do {
            // ORDERING: master flag cleared before the selector swap (Linux: "master flag must be cleared
            // /before/ clearing selector flag"); both are full-fence RMWs.
            bits.clearUpcallPending(vcpu);
            dispatched += scan(bits.swapSelector(vcpu));
            rounds++;
        } while (rounds < maxRounds && bits.isUpcallPending(vcpu));
        return dispatched;
    }

    private int scan(long selector) {
        // UNTRUSTED: selector, pending and mask are in shared memory; each word is read once per step
        // and only used as a bit set; ports are derived from bit positions, always < 4096.
        long pendingWords = selector;
        int dispatched = 0;
        final int startWord = currentWord;
        final int startBit = currentBit;
        int wordIdx = startWord;
        for (int i = 0; pendingWords != 0; i++) {
            long words = maskLsbs(pendingWords, wordIdx);
            if (words == 0) {
                wordIdx = 0;
                continue;
            }
            wordIdx = Long.numberOfTrailingZeros(words);
            long pendingBits = bits.pendingWord64(wordIdx) & ~bits.maskWord64(wordIdx) & bound.get(wordIdx);
            int bitIdx = (wordIdx == startWord && i == 0) ? startBit : 0;
            do {
                long b = maskLsbs(pendingBits, bitIdx);
                if (b == 0) {
                    break;
                }
                bitIdx = Long.numberOfTrailingZeros(b);
                int port = (wordIdx << 6) + bitIdx;
                if (dispatch(port)) {
                    dispatched++;
                }
                bitIdx = (bitIdx + 1) & 63;
                currentWord = bitIdx != 0 ? wordIdx : (wordIdx + 1) % WORDS;
                currentBit = bitIdx;
            } while (bitIdx != 0);
            // scan the start word twice (its low bits on the second visit), all others once
            if (wordIdx != startWord || i != 0) {
                pendingWords &= ~(1L << wordIdx);
            }
            wordIdx = (wordIdx + 1) % WORDS;
        }
        return dispatched;
    }

    /** Bits of {@code w} at positions {@code >= idx}. */
    private static long maskLsbs(long w, int idx) {
        return w & (-1L << idx);
    }

    private boolean dispatch(int port) {
        // ORDERING: ack (clear pending) before the handler runs, so an event raised during the handler
        // sets pending again and is delivered again.
        if (!bits.testAndClearPending(port)) {
            return false;
        }
        EventHandler h = handlers.get(port);
        if (h == null) {
            return false;
        }
        try {
            h.onEvent(port);
        } catch (RuntimeException e) {
            handlerFailures++;
            report(e);
        }
        return true;
    }

    private void report(RuntimeException e) {
        try {
            errorHandler.onError(e);
        } catch (RuntimeException dropped) {
            // the error handler must not throw; the scan must go on (its selector snapshot is ours alone)
        }
    }

    /**
     * The number of handler calls that threw.
     *
     * @return the count (vCPU thread view)
     */
    public long handlerFailures() {
        return handlerFailures;
    }

    /**
     * The vCPU served.
     *
     * @return the vCPU index
     */
    public int vcpu() {
        return vcpu;
    }
}
