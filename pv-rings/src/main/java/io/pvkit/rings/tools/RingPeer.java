package io.pvkit.rings.tools;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.abi.spi.IdleStrategy;
import io.pvkit.abi.ring.SharedRingLayout;
import io.pvkit.rings.BackRing;
import io.pvkit.rings.FrontRing;
import io.pvkit.rings.RingBrokenException;
import io.pvkit.rings.RingIdField;
import io.pvkit.rings.RingIndex;
import io.pvkit.rings.RingType;
import io.pvkit.rings.SharedBackRing;
import io.pvkit.rings.SharedFrontRing;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Serial;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * A command-line ring peer: maps a shared file and plays the front (drives requests) or the back
 * (serves them, echo-style with checksums) of an {@code io/ring.h} ring, so that any other
 * implementation (C, Rust, another JVM) can test itself against pvkit.
 *
 * <pre>
 * java -cp pv-rings.jar:pv-abi.jar io.pvkit.rings.tools.RingPeer \
 *      --role back --file /dev/shm/ring --ring-pages 1 --request-size 64 --response-size 16 \
 *      --count 100000 [--start 0xFFFFFFF0] [--seed 7] [--timeout-seconds 60] [--window 1] [--warmup 50000]
 * </pre>
 *
 * <p>{@code --warmup W}: the printed {@code seconds} cover only the exchanges after the first
 * {@code W} responses (front) or requests served (back) (JIT warm-up excluded, as a benchmark harness would),
 * and the line adds {@code measured=<count - W>}; the run still exchanges {@code count} requests. The line's
 * {@code cpu} is this process's CPU time (user + system, every thread: JIT and GC included) over the same
 * window, from {@link ProcessHandle.Info#totalCpuDuration()} (the kernel's accounting, typically 10 ms ticks):
 * a figure that, unlike {@code seconds}, barely moves with the load of a shared machine.
 *
 * <p>File: {@code ring-pages} pages of shared ring, then one control page:
 * <pre>
 *   u32 ready  @0   {@value #READY_MAGIC} ("PVKR") once the ring is initialised    [front, release]
 *   u32 state  @4   0 initialising, 1 running, 2 done (the front exited)           [front]
 *   u32 start  @8   the index the front initialised the ring at                    [front]
 * </pre>
 * The front clears {@code ready} and {@code state}, initialises the ring at {@code start}, writes
 * {@code start}, {@code state = 1}, then {@code ready} (release), and writes {@code state = 2} when it exits.
 * The back attaches only to a running front: a file left over from a finished run ({@code state = 2}) is
 * not attached as if new, the back waits for a new front instead. A front that crashed leaves
 * {@code state = 1}; its leftover file is caught by the index checks below or by the timeout.
 *
 * <p>Validation on attach (back): {@code --start} must equal the control page's {@code start} and the
 * ring's {@code rsp_prod}, and {@code req_prod} must lie within one ring of it; otherwise the peer exits 4
 * instead of serving the wrong slots.
 *
 * <p>A file the peer shrinks under the mapping ({@code ftruncate}) would fault the next access (SIGBUS,
 * an {@link InternalError} in the JVM). The peer checks the file's size at most once per millisecond (the clock read on every 16th batch) and treats a
 * short file, or a fault that slips between check and access, as a broken peer (exit 2). A JVM cannot
 * seal a file against shrinking ({@code memfd} {@code F_SEAL_SHRINK} needs native access); a host that
 * runs untrusted peers should share memory the peer cannot truncate (e.g. a sealed memfd passed over a
 * socket, or a file the peer has no write access to the size of).
 *
 * <p>Protocol:
 * request {@code {u64 id; u32 len; u32 crc; u8 payload[request-size - 16]}}, response
 * {@code {u64 id; u32 status; u32 crc; u8 pad[response-size - 16]}}; {@code crc} is CRC-32C of
 * {@code payload[0..len)}; the back answers status 0 when the crc matches (1 otherwise) and echoes the
 * crc it computed. Ids are the front's shadow indices. Both sides poll (no event channel) and count the
 * notifications the push decided on.
 *
 * <p>Prints one line ({@code role served|received=N bad=B notifies=M ...}) and exits 0 when all went
 * well, 1 on checksum mismatches, 2 when the peer broke the ring (including a truncated shared file),
 * 3 on timeout, 4 when the ring in the file does not match the arguments ({@code --start}), 64 on bad
 * arguments.
 */
public final class RingPeer {
    /** The control word the front writes once the ring is initialised ({@code "PVKR"}). */
    public static final int READY_MAGIC = 0x524B5650;
    /** Control page offset of the front's state word. */
    public static final long STATE_OFFSET = 4;
    /** Control page offset of the start index the front initialised the ring at. */
    public static final long START_OFFSET = 8;
    /** {@code state}: the front is initialising (or no front has run). */
    public static final int STATE_INITIALISING = 0;
    /** {@code state}: the front initialised the ring and is running. */
    public static final int STATE_RUNNING = 1;
    /** {@code state}: the front has exited; the file is left over. */
    public static final int STATE_DONE = 2;
    /** Exit code: the ring in the file does not match the arguments. */
    public static final int EXIT_MISMATCH = 4;
    /** Exit code: the peer broke the ring (or truncated the shared file). */
    public static final int EXIT_BROKEN = 2;
    private static final VarHandle CONTROL_WORD = ValueLayout.JAVA_INT.varHandle();
    /** When the exchange started (after the handshake), per thread. */
    private static final ThreadLocal<Long> STARTED = ThreadLocal.withInitial(System::nanoTime);
    /** This process's CPU time when the exchange started, per thread. */
    private static final ThreadLocal<Long> CPU_STARTED = ThreadLocal.withInitial(RingPeer::processCpuNanos);
    /** This thread's CPU time when the exchange started. */
    private static final ThreadLocal<Long> THREAD_CPU_STARTED = ThreadLocal.withInitial(RingPeer::threadCpuNanos);
    private static final Path THREAD_SCHEDSTAT = Path.of("/proc/thread-self/schedstat");

    private RingPeer() {
    }

    /**
     * What the peer does.
     *
     * @param front true to drive requests, false to serve them
     * @param file the shared file
     * @param ringPages the ring's pages
     * @param requestSize the request size (at least 16)
     * @param responseSize the response size (at least 16)
     * @param count the number of exchanges
     * @param start the starting index
     * @param seed the payload seed (front)
     * @param timeoutNanos the overall time limit
     * @param window the most requests the front keeps outstanding (1 = ping-pong)
     * @param warmup responses the front receives (requests the back serves) before its timer starts (0: timed
     *        from the handshake)
     */
    public record Options(boolean front, Path file, int ringPages, int requestSize, int responseSize, long count,
                          int start, long seed, long timeoutNanos, int window, long warmup) {
        /**
         * Options without a warm-up (timed from the handshake).
         *
         * @param front true to drive requests, false to serve them
         * @param file the shared file
         * @param ringPages the ring's pages
         * @param requestSize the request size (at least 16)
         * @param responseSize the response size (at least 16)
         * @param count the number of exchanges
         * @param start the starting index
         * @param seed the payload seed (front)
         * @param timeoutNanos the overall time limit
         * @param window the most requests the front keeps outstanding (1 = ping-pong)
         */
        public Options(boolean front, Path file, int ringPages, int requestSize, int responseSize, long count,
                       int start, long seed, long timeoutNanos, int window) {
            this(front, file, ringPages, requestSize, responseSize, count, start, seed, timeoutNanos, window, 0);
        }

        /**
         * The ring type of the peer protocol.
         *
         * @return the type, ids at offset 0 (8 bytes) in both entries
         */
        public RingType type() {
            return new RingType("ring_peer", requestSize, responseSize, 8, new RingIdField(0, 8), new RingIdField(0, 8));
        }
    }

    /**
     * What happened.
     *
     * @param exchanged requests served (back) or responses received (front)
     * @param bad checksum mismatches
     * @param notifies pushes that asked for a notification
     * @param exitCode the process exit code
     * @param line the one-line summary
     */
    public record Result(long exchanged, long bad, long notifies, int exitCode, String line) {
    }

    /**
     * Entry point; see the class documentation for arguments.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs with arguments and returns the exit code instead of exiting.
     *
     * @param args the arguments
     * @param out where the summary goes
     * @param err where errors go
     * @return the exit code
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            err.println("ring-peer: " + e.getMessage());
            err.println("usage: RingPeer --role front|back --file F --ring-pages N --request-size B --response-size B"
                    + " --count C [--start I] [--seed S] [--timeout-seconds T] [--window W] [--warmup N]");
            return 64;
        }
        Result result;
        try {
            result = run(options);
        } catch (IllegalArgumentException e) {
            // e.g. no slot of this size fits in the ring pages
            err.println("ring-peer: " + e.getMessage());
            return 64;
        }
        out.println(result.line());
        return result.exitCode();
    }

    /**
     * Parses command-line arguments.
     *
     * @param args {@code --name value} pairs
     * @return the options
     * @throws IllegalArgumentException when an argument is missing, malformed or out of range (sizes
     *         below 16, {@code --ring-pages} or {@code --window} below 1, a negative {@code --count}, a
     *         {@code --timeout-seconds} that is not positive, a {@code --warmup} outside {@code [0, count]})
     */
    public static Options parse(String[] args) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value, got " + args[i]);
            }
            map.put(args[i].substring(2), args[i + 1]);
        }
        String role = required(map, "role").toLowerCase(Locale.ROOT);
        if (!role.equals("front") && !role.equals("back")) {
            throw new IllegalArgumentException("role must be front or back: " + role);
        }
        int req = Integer.parseInt(required(map, "request-size"));
        int rsp = Integer.parseInt(required(map, "response-size"));
        if (req < 16 || rsp < 16) {
            throw new IllegalArgumentException("request and response sizes must be at least 16");
        }
        int pages = Integer.parseInt(required(map, "ring-pages"));
        if (pages < 1) {
            throw new IllegalArgumentException("--ring-pages must be at least 1: " + pages);
        }
        long count = Long.parseLong(required(map, "count"));
        if (count < 0) {
            throw new IllegalArgumentException("--count must not be negative: " + count);
        }
        double timeoutSeconds = Double.parseDouble(map.getOrDefault("timeout-seconds", "60"));
        if (!(timeoutSeconds > 0 && timeoutSeconds <= 1e6)) {
            throw new IllegalArgumentException("--timeout-seconds must be in (0, 1e6]: " + timeoutSeconds);
        }
        int window = Integer.parseInt(map.getOrDefault("window", Integer.toString(Integer.MAX_VALUE)));
        if (window < 1) {
            throw new IllegalArgumentException("--window must be at least 1: " + window);
        }
        long warmup = Long.parseLong(map.getOrDefault("warmup", "0"));
        if (warmup < 0 || warmup > count) {
            throw new IllegalArgumentException("--warmup must be in [0, --count]: " + warmup);
        }
        return new Options(role.equals("front"), Path.of(required(map, "file")), pages, req, rsp, count,
                (int) Long.decode(map.getOrDefault("start", "0")).longValue(),
                Long.decode(map.getOrDefault("seed", "1")),
                (long) (timeoutSeconds * 1e9), window, warmup);
    }

    private static String required(Map<String, String> map, String name) {
        String v = map.get(name);
        if (v == null) {
            throw new IllegalArgumentException("missing --" + name);
        }
        return v;
    }

    /**
     * Runs the peer in this thread.
     *
     * @param options what to do
     * @return the outcome
     */
    public static Result run(Options options) {
        long ringBytes = (long) options.ringPages() * GuestMemory.PAGE_SIZE;
        long fileBytes = ringBytes + GuestMemory.PAGE_SIZE;
        markStart();
        try (GuestMemory memory = GuestMemory.mapFile(options.file(), options.ringPages() + 1L);
             FileChannel size = FileChannel.open(options.file(), StandardOpenOption.READ)) {
            MemoryAccess ring = GuestMemory.wrap(memory.slice(0, ringBytes));
            MemorySegment control = memory.slice(ringBytes, GuestMemory.PAGE_SIZE);
            FileGuard guard = new FileGuard(size, fileBytes);
            try {
                return options.front() ? drive(options, ring, control, guard) : serve(options, ring, control, guard);
            } catch (FileTruncatedException e) {
                return result(options.front() ? "front" : "back", 0, 0, 0, options.start(), EXIT_BROKEN, e.getMessage());
            } catch (InternalError e) {
                // a truncation between the size check and an access: the JVM turns the SIGBUS of the
                // mapped access into an InternalError; the peer broke the ring, this process is fine
                return result(options.front() ? "front" : "back", 0, 0, 0, options.start(), EXIT_BROKEN,
                        "shared file faulted (truncated by the peer?): " + e.getMessage());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + options.file(), e);
        }
    }

    /** Thrown when the shared file is shorter than the mapping: the peer shrank it. */
    private static final class FileTruncatedException extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;

        FileTruncatedException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Checks that the peer has not shrunk the file under the mapping: at most once per
     * {@link #CHECK_INTERVAL_NANOS} (a {@code fstat} per batch cost more than the batch itself); a truncation
     * between two checks faults the next access, which {@link #run(Options)} reports the same way.
     */
    private static final class FileGuard {
        static final long CHECK_INTERVAL_NANOS = 1_000_000;
        private final FileChannel channel;
        private final long bytes;
        private long lastCheck;
        private boolean checked;
        private int calls;

        FileGuard(FileChannel channel, long bytes) {
            this.channel = channel;
            this.bytes = bytes;
        }

        void check() {
            // the clock is read on every 16th call only (a clock read per batch showed in the profile)
            if (checked && (++calls & 15) != 0) {
                return;
            }
            final long t = System.nanoTime();
            if (checked && t - lastCheck < CHECK_INTERVAL_NANOS) {
                return;
            }
            checked = true;
            lastCheck = t;
            long now;
            try {
                now = channel.size();
            } catch (IOException e) {
                throw new FileTruncatedException("cannot stat the shared file: " + e.getMessage());
            }
            if (now < bytes) {
                throw new FileTruncatedException("shared file truncated to " + now + " bytes, the ring needs " + bytes
                        + ": the peer broke the ring");
            }
        }
    }

    /**
     * The C peers' waiting policy, exactly: {@code sched_yield} ({@link Thread#yield()}) up to
     * {@value #YIELDS} times in a row, then {@value #SLEEP_NANOS} ns sleeps, through pv-abi's
     * {@link IdleStrategy}; the deadline is read only once the yields are used up (as the C peers do), so that
     * polling costs no clock read.
     */
    static final class Waiter {
        static final int YIELDS = 1_000;
        static final long SLEEP_NANOS = 20_000;
        private final IdleStrategy idle = IdleStrategy.backoff(0, YIELDS, SLEEP_NANOS, SLEEP_NANOS);
        private final long deadline;
        private int idles;

        Waiter(long timeoutNanos) {
            this.deadline = System.nanoTime() + timeoutNanos;
        }

        /** Idles once; false when the yields are used up and the deadline has passed. */
        boolean idle() {
            if (idles < YIELDS) {
                idles++;
            } else if (System.nanoTime() - deadline > 0) {
                return false;
            }
            idle.idle();
            return true;
        }

        /** Work was found: start yielding again. */
        void reset() {
            if (idles != 0) {
                idles = 0;
                idle.reset();
            }
        }
    }

    private static Result serve(Options o, MemoryAccess memory, MemorySegment control, FileGuard guard) {
        final long deadline = System.nanoTime() + o.timeoutNanos();
        Waiter waiter = new Waiter(o.timeoutNanos());
        boolean leftover = false;
        while (true) {
            guard.check();
            // ORDERING: acquire; pairs with the front's release store of the magic after SHARED_RING_INIT.
            final int ready = (int) CONTROL_WORD.getAcquire(control, 0L);
            final int state = (int) CONTROL_WORD.getVolatile(control, STATE_OFFSET);
            if (ready == READY_MAGIC && state == STATE_RUNNING) {
                break;
            }
            // a finished run's file: never attached as if new; wait for a new front to reinitialise it
            leftover |= state == STATE_DONE;
            if (System.nanoTime() - deadline > 0) {
                return new Result(0, 0, 0, 3, "back timeout waiting for the front to initialise the ring"
                        + (leftover ? " (the file holds a finished run: start a new front)" : ""));
            }
            waiter.idle();
        }
        String mismatch = checkStart(o, memory, control);
        if (mismatch != null) {
            return new Result(0, 0, 0, EXIT_MISMATCH, "back error=" + mismatch);
        }
        BackRing back = SharedBackRing.attach(memory, o.type(), o.start());
        markStart();
        PeerBack peer = new PeerBack(back, o, waiter);
        boolean warm = o.warmup() == 0;
        try {
            while (peer.served() < o.count()) {
                if (!warm && peer.served() >= o.warmup()) {
                    warm = true;
                    markStart();
                }
                guard.check();
                if (!peer.step()) {
                    return result("back", peer.served(), peer.bad(), peer.notifies(), back.requestConsumerIndex(), 3,
                            "timeout");
                }
            }
        } catch (RingBrokenException e) {
            return result("back", peer.served(), peer.bad(), peer.notifies(), back.requestConsumerIndex(), 2,
                    e.getMessage());
        }
        return result("back", peer.served(), peer.bad(), peer.notifies(), back.requestConsumerIndex(),
                peer.bad() == 0 ? 0 : 1, null, o.warmup() == 0 ? "" : " measured=" + (peer.served() - o.warmup()));
    }

    /**
     * The back's attach check: {@code --start} against what the front wrote, so that a mismatch is an
     * error instead of silently serving the wrong slots.
     *
     * @return null when the ring matches, otherwise what differs
     */
    private static String checkStart(Options o, MemoryAccess memory, MemorySegment control) {
        // UNTRUSTED: read once each; only compared.
        final int frontStart = (int) CONTROL_WORD.getVolatile(control, START_OFFSET);
        final int rspProd = memory.getIntVolatile(SharedRingLayout.RSP_PROD_OFFSET);
        final int reqProd = memory.getIntVolatile(SharedRingLayout.REQ_PROD_OFFSET);
        final int size = o.type().slotCount(memory.byteSize());
        if (frontStart != o.start()) {
            return "--start " + hex(o.start()) + " but the front initialised the ring at " + hex(frontStart);
        }
        if (rspProd != o.start() || RingIndex.exceeds(o.start(), reqProd, size)) {
            return "--start " + hex(o.start()) + " does not match the ring's indices (rsp_prod " + hex(rspProd)
                    + ", req_prod " + hex(reqProd) + ", size " + size + "): a leftover or foreign ring";
        }
        return null;
    }

    private static String hex(int v) {
        return "0x" + Integer.toHexString(v);
    }

    private static Result drive(Options o, MemoryAccess memory, MemorySegment control, FileGuard guard) {
        try {
            return driveRunning(o, memory, control, guard);
        } finally {
            // ORDERING: release; a back that sees DONE knows this front will publish nothing more.
            CONTROL_WORD.setRelease(control, STATE_OFFSET, STATE_DONE);
        }
    }

    private static Result driveRunning(Options o, MemoryAccess memory, MemorySegment control, FileGuard guard) {
        guard.check();
        // a back must not take the previous run's ready flag for this run's
        CONTROL_WORD.setVolatile(control, 0L, 0);
        CONTROL_WORD.setVolatile(control, STATE_OFFSET, STATE_INITIALISING);
        FrontRing front = SharedFrontRing.initialise(memory, o.type(), o.start(), FrontRing.ResponseValidator.ACCEPT_ALL);
        CONTROL_WORD.setVolatile(control, START_OFFSET, o.start());
        CONTROL_WORD.setVolatile(control, STATE_OFFSET, STATE_RUNNING);
        // ORDERING: release: the initialised header, start and state are visible before the magic.
        CONTROL_WORD.setRelease(control, 0L, READY_MAGIC);
        markStart();
        PeerFront peer = new PeerFront(front, o, new Waiter(o.timeoutNanos()));
        boolean warm = o.warmup() == 0;
        try {
            while (peer.received() < o.count()) {
                if (!warm && peer.received() >= o.warmup()) {
                    warm = true;
                    markStart();
                }
                guard.check();
                if (!peer.step()) {
                    return result("front", peer.received(), peer.bad(), peer.notifies(), front.requestProducerIndex(), 3,
                            "timeout");
                }
            }
        } catch (RingBrokenException e) {
            return result("front", peer.received(), peer.bad(), peer.notifies(), front.requestProducerIndex(), 2,
                    e.getMessage());
        }
        return result("front", peer.received(), peer.bad(), peer.notifies(), front.requestProducerIndex(),
                peer.bad() == 0 ? 0 : 1, null, o.warmup() == 0 ? "" : " measured=" + (peer.received() - o.warmup()));
    }

    /** Starts the measured window: wall clock and process CPU time. */
    static void markStart() {
        STARTED.set(System.nanoTime());
        CPU_STARTED.set(processCpuNanos());
        THREAD_CPU_STARTED.set(threadCpuNanos());
    }

    /**
     * {@link RingWork}'s line: the window since {@link #markStart()}, with this thread's CPU time where Linux reports
     * it ({@code thread-cpu}, nanosecond accounting, the JIT's and the GC's threads excluded).
     */
    static String summary(String role, long n, long bad, long warmup) {
        final long threadStart = THREAD_CPU_STARTED.get();
        final long threadNow = threadCpuNanos();
        return String.format(Locale.ROOT, "%s n=%d bad=%d measured=%d seconds=%.6f cpu=%.6f", role, n, bad, n - warmup,
                (System.nanoTime() - STARTED.get()) / 1e9, (processCpuNanos() - CPU_STARTED.get()) / 1e9)
                + (threadStart < 0 || threadNow < 0 ? ""
                : String.format(Locale.ROOT, " thread-cpu=%.6f", (threadNow - threadStart) / 1e9));
    }

    /** This thread's CPU time from {@code /proc/thread-self/schedstat} (nanoseconds), or -1 where there is none. */
    static long threadCpuNanos() {
        try {
            String line = java.nio.file.Files.readString(THREAD_SCHEDSTAT);
            int space = line.indexOf(' ');
            return Long.parseLong(space < 0 ? line.strip() : line.substring(0, space));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** This process's CPU time (every thread), or 0 where the platform does not report it. */
    static long processCpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
    }

    private static Result result(String role, long n, long bad, long notifies, int index, int exit, String error) {
        return result(role, n, bad, notifies, index, exit, error, "");
    }

    private static Result result(String role, long n, long bad, long notifies, int index, int exit, String error,
                                 String extra) {
        double seconds = (System.nanoTime() - STARTED.get()) / 1e9;
        double cpu = (processCpuNanos() - CPU_STARTED.get()) / 1e9;
        String line = role + (role.equals("back") ? " served=" : " received=") + n + " bad=" + bad + " notifies=" + notifies
                + " index=" + Integer.toUnsignedString(index) + String.format(Locale.ROOT, " seconds=%.6f", seconds)
                + extra + String.format(Locale.ROOT, " cpu=%.6f", cpu) + (error == null ? "" : " error=" + error);
        return new Result(n, bad, notifies, exit, line);
    }
}
