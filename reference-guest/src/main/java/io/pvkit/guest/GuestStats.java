package io.pvkit.guest;

import io.pvkit.abi.xenstore.XenbusState;
import io.pvkit.guest.block.BlockStats;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Live counters of one reference guest, for a progress display: written by the guest's vCPU thread,
 * read from any thread.
 *
 * <p>Thread safety: each getter returns a value that was current at some instant during the call
 * (every counter is an atomic, the state a volatile reference). Different getters are not a consistent
 * snapshot of each other: {@link #pongsReceived()} may briefly be one ahead of a {@link #pingsSent()}
 * read before it. Counters only grow.
 */
public final class GuestStats {
    private final AtomicReference<GuestState> state = new AtomicReference<>(GuestState.BOOTING);
    private final AtomicLong pingsSent = new AtomicLong();
    private final AtomicLong pongsReceived = new AtomicLong();
    private final AtomicLong roundTrips = new AtomicLong();
    private final AtomicLong roundTripNanos = new AtomicLong();
    private final AtomicLong consoleBytes = new AtomicLong();
    private final AtomicLong consoleBytesDropped = new AtomicLong();
    private volatile Throwable failure;
    private volatile XenstoreStatus xenstore = XenstoreStatus.NONE;
    private volatile XenbusState echoDeviceState = XenbusState.UNKNOWN;
    private volatile boolean echoViaXenbus;
    private final BlockStats block = new BlockStats();

    /** Fresh counters in state {@link GuestState#BOOTING}. */
    public GuestStats() {
    }

    /**
     * The guest's state.
     *
     * @return the current state
     */
    public GuestState state() {
        return state.get();
    }

    /**
     * Echo notifications the guest sent to domain 0.
     *
     * @return the count
     */
    public long pingsSent() {
        return pingsSent.get();
    }

    /**
     * Echo notifications the guest received from domain 0.
     *
     * @return the count
     */
    public long pongsReceived() {
        return pongsReceived.get();
    }

    /**
     * Completed echo round trips (a ping whose pong arrived).
     *
     * @return the count
     */
    public long roundTrips() {
        return roundTrips.get();
    }

    /**
     * The mean echo round-trip time so far.
     *
     * @return nanoseconds, or 0 before the first round trip
     */
    public long meanRoundTripNanos() {
        long n = roundTrips.get();
        return n == 0 ? 0 : roundTripNanos.get() / n;
    }

    /**
     * Bytes the guest placed on its console output ring (accepted by the ring; the backend may not
     * have drained them yet).
     *
     * @return the count
     */
    public long consoleBytes() {
        return consoleBytes.get();
    }

    /**
     * Console bytes the guest dropped because the ring stayed full past the stall timeout or the
     * backend broke the ring.
     *
     * @return the count
     */
    public long consoleBytesDropped() {
        return consoleBytesDropped.get();
    }

    /**
     * Why the guest failed.
     *
     * @return the cause when {@link #state()} is {@link GuestState#FAILED}, else null
     */
    public Throwable failure() {
        return failure;
    }

    /**
     * Where the guest stands with xenstore.
     *
     * @return {@link XenstoreStatus#NONE} while booting, then connected or unavailable
     */
    public XenstoreStatus xenstore() {
        return xenstore;
    }

    /**
     * The state the guest last wrote for its echo device's frontend ({@code device/pvkit-echo/0/state}):
     * Initialised, Connected, Closing, Closed as the xenbus handshake proceeds.
     *
     * @return the state; {@link XenbusState#UNKNOWN} while there is no echo device (booting, no xenstore,
     *     or no device directory)
     */
    public XenbusState echoDeviceState() {
        return echoDeviceState;
    }

    /**
     * Whether the echo port came from the xenbus handshake (true) or the {@code pvkit.echo} command-line
     * word (false).
     *
     * @return the source of the echo port
     */
    public boolean echoViaXenbus() {
        return echoViaXenbus;
    }

    /**
     * The block section: the block workload's requests, bytes, errors, verify mismatches, latency percentiles,
     * notifications per request and device state (all zero/null while the guest has no block device).
     *
     * @return the block counters (the same object for the guest's lifetime)
     */
    public BlockStats block() {
        return block;
    }

    @Override
    public String toString() {
        return "GuestStats[" + state() + ", pings=" + pingsSent() + ", pongs=" + pongsReceived()
                + ", console=" + consoleBytes() + " bytes, xenstore=" + xenstore + ", echo device=" + echoDeviceState
                + (block.deviceState() == null ? "" : ", " + block) + "]";
    }

    // ---- written by the guest's vCPU thread only ----

    void state(GuestState next) {
        state.set(next);
    }

    void failed(Throwable cause) {
        // ORDERING: the cause is published before the state, so a reader that sees FAILED sees the cause
        failure = cause;
        state.set(GuestState.FAILED);
    }

    void xenstore(XenstoreStatus status) {
        xenstore = status;
    }

    void echoDeviceState(XenbusState s) {
        echoDeviceState = s;
    }

    void echoViaXenbus(boolean viaXenbus) {
        echoViaXenbus = viaXenbus;
    }

    void pingSent() {
        pingsSent.incrementAndGet();
    }

    void pongReceived() {
        pongsReceived.incrementAndGet();
    }

    void roundTrip(long nanos) {
        roundTripNanos.addAndGet(nanos);
        roundTrips.incrementAndGet();
    }

    void consoleWritten(long bytes) {
        consoleBytes.addAndGet(bytes);
    }

    void consoleDropped(long bytes) {
        consoleBytesDropped.addAndGet(bytes);
    }
}
