package io.pvkit.hypervisor.dom0;

import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.evtchn.Virq;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.PhysMapSpace;
import io.pvkit.abi.platform.SchedOp;
import io.pvkit.abi.platform.SchedPollLayout;
import io.pvkit.abi.evtchn.VcpuInfoLayout;
import io.pvkit.abi.platform.StartInfoLayout;
import io.pvkit.abi.spi.GuestEntryPoint;
import io.pvkit.abi.spi.VcpuStart;
import io.pvkit.events.UpcallDemultiplexer;
import io.pvkit.abi.grant.GrantRefs;
import io.pvkit.abi.xenstore.XsError;
import io.pvkit.hypervisor.dom0.block.BlockBackend;
import io.pvkit.hypervisor.dom0.xenstore.DomainLinks;
import io.pvkit.hypervisor.dom0.xenstore.LocalConnection;
import io.pvkit.hypervisor.dom0.xenstore.RingConnection;
import io.pvkit.hypervisor.dom0.xenstore.XenstoreLimits;
import io.pvkit.hypervisor.dom0.xenstore.XenstoreSocketServer;
import io.pvkit.hypervisor.dom0.xenstore.Xenstored;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Domain 0's kernel and services, run on domain 0's vCPU 0: it boots like any guest (reads
 * {@code start_info}, maps {@code shared_info} with {@code add_to_physmap}, starts an
 * {@link UpcallDemultiplexer}), binds {@code VIRQ_DOM_EXC} for the toolstack's messages, and then serves
 * every introduced guest with
 * <ul>
 *   <li>the <b>console backend</b>: maps the guest's console page through its reserved grant
 *       ({@code GNTTAB_RESERVED_CONSOLE}), binds its console port, drains the {@code xencons_interface} output
 *       ring into lines prefixed with the guest's name (sink and per-domain log), and writes console input;
 *       a malformed ring ends that guest's console only;</li>
 *   <li>the <b>echo service</b>: binds the guest's echo port and answers each notification with one
 *       notification back on the same channel;</li>
 *   <li><b>xenstored</b> ({@link Xenstored}): maps each guest's xenstore page through
 *       {@code GNTTAB_RESERVED_XENSTORE}, binds its store port and serves its ring; serves tools on a Unix
 *       domain socket; and the backend of the {@code pvkit-echo} xenbus device ({@code EchoBackend}).</li>
 *   <li>the <b>block backend</b> ({@code io.pvkit.hypervisor.dom0.block.BlockBackend}): the vbd devices the
 *       toolstack writes under {@code backend/vbd}, one worker thread per queue; see the module README.</li>
 * </ul>
 *
 * <p>Waiting: domain 0 waits with {@code SCHEDOP_poll} on its VIRQ port with a short timeout (the
 * hypervisor wakes it as soon as an event is pending for its vCPU; the timeout only matters if a
 * privileged domain reset domain 0's ports) and then runs its demultiplexer; a service with more work than one turn's budget keeps
 * domain 0 from blocking until it is done, round-robin with the others. It returns when the hypervisor
 * destroys domain 0 (its hypercalls then answer {@code -ESRCH}).
 *
 * <p>Everything here is hypercalls, domain 0's own memory, and the two narrow inputs of the package
 * ({@link ToolstackChannel}, {@link Dom0Kernel}).
 */
public final class Domain0 implements GuestEntryPoint {
    /** Where domain 0 "maps" guest pages: a pseudo virtual address range, one page per guest id. */
    static final long MAP_AREA = 0x0000_7000_0000_0000L;
    /** Where domain 0 "maps" guests' xenstore pages. */
    static final long XENSTORE_MAP_AREA = 0x0000_7800_0000_0000L;
    /** The longest a tools connection waits for domain 0 to connect or release a ring. */
    static final long LINK_TIMEOUT_MILLIS = 5_000;
    private static final long ESRCH = XenErrno.ESRCH.negated();
    /** The longest domain 0 sleeps before it looks at its mailbox again. */
    static final long IDLE_POLL_MILLIS = 100;

    private final ToolstackChannel toolstack;
    private final Dom0Kernel kernel;
    private final ConsoleLog log;
    private final Map<Integer, ConsoleConnection> consoles = new HashMap<>();
    private final Map<Integer, Integer> echoPorts = new HashMap<>();
    private final LinkedHashSet<ConsoleConnection> dirty = new LinkedHashSet<>();
    private Dom0Calls calls;
    private GuestMemory memory;
    private long sharedInfoGpa;
    private UpcallDemultiplexer demux;
    private final Path xenstoreSocket;
    private final Xenstored xenstored = new Xenstored(XenstoreLimits.defaults());
    private final Map<Integer, StoreRing> stores = new HashMap<>();
    private final ConcurrentLinkedQueue<Runnable> linkRequests = new ConcurrentLinkedQueue<>();
    private volatile Thread vcpu;
    private LocalConnection localStore;
    private EchoBackend echoBackend;
    private volatile BlockBackend blockBackend;
    private io.pvkit.abi.spi.HypercallHandler hypervisor;
    private HypercallContext self;
    private long nrPages;

    /** A guest's connected xenstore ring: the connection, its grant handle and mapping address, the bound port. */
    private record StoreRing(RingConnection ring, int handle, long hostAddr, int localPort) {
    }

    /**
     * Domain 0's services without a tools socket path: xenstored listens on a socket in a new temporary
     * directory.
     *
     * @param toolstack the toolstack's mailbox
     * @param kernel the grant-mapping facility
     * @param logDirectory where per-domain console logs go, or null
     * @param sink where console lines go ({@code "name| line"}); must be thread-safe
     */
    public Domain0(ToolstackChannel toolstack, Dom0Kernel kernel, Path logDirectory, Consumer<String> sink) {
        this(toolstack, kernel, logDirectory, sink, null);
    }

    /**
     * Domain 0's services.
     *
     * @param toolstack the toolstack's mailbox
     * @param kernel the grant-mapping facility
     * @param logDirectory where per-domain console logs go, or null
     * @param sink where console lines go ({@code "name| line"}); must be thread-safe
     * @param xenstoreSocket where xenstored's tools socket listens, or null for a temporary directory
     */
    public Domain0(ToolstackChannel toolstack, Dom0Kernel kernel, Path logDirectory, Consumer<String> sink,
                   Path xenstoreSocket) {
        this.toolstack = Objects.requireNonNull(toolstack, "toolstack");
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.log = new ConsoleLog(logDirectory, Objects.requireNonNull(sink, "sink"));
        this.xenstoreSocket = xenstoreSocket;
    }

    /**
     * The xenstore daemon these services run (for tests and tools that inspect it in process).
     *
     * @return the daemon
     */
    public Xenstored xenstored() {
        return xenstored;
    }

    @Override
    public void enter(VcpuStart start) {
        self = start.self();
        hypervisor = start.hypervisor();
        memory = self.memory();
        long si = start.startInfoGpa();
        nrPages = memory.getLong(si + StartInfoLayout.NR_PAGES_OFFSET);
        long sharedInfoGfn = GuestMemory.gfnOf(memory.getLong(si + StartInfoLayout.SHARED_INFO_OFFSET));
        if (nrPages < 2) {
            throw new IllegalStateException("domain 0 needs at least 2 frames");
        }
        // frame 1 is the scratch area of the hypercall wrappers (frame 0 stays unused, like a NULL page)
        GuestHypercalls hc = new GuestHypercalls(start.hypervisor(), self, GuestMemory.gpaOf(1), GuestMemory.PAGE_SIZE);
        calls = new Dom0Calls(hc);
        check(hc.addToPhysmap(PhysMapSpace.SHARED_INFO.code(), 0, sharedInfoGfn), "map shared_info");
        sharedInfoGpa = GuestMemory.gpaOf(sharedInfoGfn);
        demux = new UpcallDemultiplexer(memory, sharedInfoGfn, 0);
        long virq = calls.bindVirq(Virq.DOM_EXC.code());
        check(virq, "bind VIRQ_DOM_EXC");
        demux.register((int) virq, port -> { });   // the mailbox is drained every turn anyway
        demux.unmask((int) virq);
        vcpu = Thread.currentThread();
        XenstoreSocketServer socket = startXenstored();
        try {
            toolstack.ready().complete(null);
            while (true) {
                ToolstackMessage m;
                while ((m = toolstack.poll()) != null) {
                    handle(m);
                }
                Runnable link;
                while ((link = linkRequests.poll()) != null) {
                    link.run();
                }
                demux.handleUpcall();
                boolean more = serviceConsoles();
                more |= serviceStores();
                if (more || toolstack.hasMessages() || !linkRequests.isEmpty()) {
                    continue;
                }
                long rc = waitForEvents(hc, (int) virq);
                if (rc == ESRCH) {
                    return; // domain 0 is being destroyed
                }
            }
        } finally {
            BlockBackend blk = blockBackend;
            if (blk != null) {
                blk.stopAll();
            }
            socket.close();
        }
    }

    /**
     * What the block backend holds now (devices, grant mappings, worker threads, open files); safe from any
     * thread.
     *
     * @return the counts, {@link BlockCounts#NONE} before domain 0 runs
     */
    public BlockCounts blockCounts() {
        BlockBackend blk = blockBackend;
        return blk == null ? BlockCounts.NONE : blk.counts();
    }

    private XenstoreSocketServer startXenstored() {
        xenstored.links(new Links());
        localStore = xenstored.connectLocal(toolstack::ring);
        echoBackend = new EchoBackend(localStore, calls, demux, this::clearPending, this::say);
        echoBackend.start();
        BlockBackend blk = new BlockBackend(localStore, calls.raw(), demux, kernel, hypervisor, self, nrPages, this::say);
        blk.start();
        blockBackend = blk;
        try {
            Path path = xenstoreSocket;
            if (path == null) {
                path = java.nio.file.Files.createTempDirectory("pvkit-xenstored-").resolve("socket");
            }
            return xenstored.listen(path);
        } catch (IOException e) {
            throw new UncheckedIOException("domain 0: xenstored cannot listen", e);
        }
    }

    /** One turn over the xenstore rings and domain 0's own watch events; true when a ring has more. */
    private boolean serviceStores() {
        boolean more = false;
        for (StoreRing s : stores.values()) {
            more |= s.ring().service();
        }
        LocalConnection.WatchEvent e;
        int budget = 256;
        while (budget-- > 0 && (e = localStore.pollEvent()) != null) {
            if (!blockBackend.onEvent(e)) {
                echoBackend.onEvent(e);
            }
        }
        return more || budget < 0;
    }

    /** XS_INTRODUCE / XS_RELEASE from a tools connection: done on domain 0's vCPU, the caller waits. */
    private final class Links implements DomainLinks {
        @Override
        public XsError introduce(int domid, long storeGfn, int port) {
            return onVcpu(() -> connectStore(domid, port) ? null : XsError.EINVAL);
        }

        @Override
        public XsError release(int domid) {
            return onVcpu(() -> {
                releaseStore(domid, false);
                return null;
            });
        }

        private XsError onVcpu(java.util.function.Supplier<XsError> work) {
            if (Thread.currentThread() == vcpu) {
                return work.get();
            }
            CompletableFuture<XsError> done = new CompletableFuture<>();
            linkRequests.add(() -> {
                try {
                    done.complete(work.get());
                } catch (RuntimeException e) {
                    done.complete(XsError.EIO);
                }
            });
            toolstack.ring();
            try {
                return done.get(LINK_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return XsError.EIO;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                return XsError.EIO;
            }
        }
    }

    /** Maps the guest's xenstore page (reserved grant), binds its store port, attaches the ring. */
    private boolean connectStore(int domid, int port) {
        if (stores.containsKey(domid)) {
            return true;
        }
        long hostAddr = XENSTORE_MAP_AREA + GuestMemory.gpaOf(domid);
        int[] mapped = calls.mapGrant(domid, GrantRefs.RESERVED_XENSTORE, hostAddr);
        MemorySegment page = mapped[0] == 0 ? kernel.grantMapping(mapped[1]) : null;
        if (page == null) {
            say("xenstored: cannot map the xenstore page of domain " + domid + ": status " + mapped[0]);
            return false;
        }
        long local = calls.bindInterdomain(domid, port);
        if (local <= 0) {
            say("xenstored: cannot bind port " + port + " of domain " + domid + ": " + XenErrno.describe(local));
            calls.unmapGrant(mapped[1], hostAddr);
            return false;
        }
        int localPort = (int) local;
        RingConnection ring = xenstored.attachRing(domid, page, () -> calls.send(localPort));
        ring.onOutput(toolstack::ring);
        stores.put(domid, new StoreRing(ring, mapped[1], hostAddr, localPort));
        demux.register(localPort, p -> { });   // every ring is serviced each turn
        demux.unmask(localPort);
        return true;
    }

    private void releaseStore(int domid, boolean destroyed) {
        StoreRing s = stores.remove(domid);
        if (destroyed) {
            echoBackend.release(domid);
            blockBackend.release(domid);
        }
        xenstored.releaseDomain(domid, destroyed);
        if (s != null) {
            demux.unregister(s.localPort());
            calls.close(s.localPort());
            calls.unmapGrant(s.handle(), s.hostAddr());
        }
    }

    /**
     * {@code SCHEDOP_poll} on the VIRQ port with a {@value #IDLE_POLL_MILLIS} ms timeout: returns when an
     * upcall is due (any unmasked port) or the timeout passes. The timeout keeps the toolstack's mailbox
     * served even when a privileged domain took domain 0's VIRQ binding away (EVTCHNOP_reset of domain 0).
     */
    private long waitForEvents(GuestHypercalls hc, int virqPort) {
        long ports = GuestMemory.gpaOf(2);
        memory.setInt(ports, virqPort);
        MemorySegment a = MemorySegment.ofArray(new long[3]);
        a.set(ValueLayout.JAVA_LONG, SchedPollLayout.PORTS_OFFSET, ports);
        a.set(ValueLayout.JAVA_INT, SchedPollLayout.NR_PORTS_OFFSET, 1);
        a.set(ValueLayout.JAVA_LONG, SchedPollLayout.TIMEOUT_OFFSET, systemTime() + IDLE_POLL_MILLIS * 1_000_000L);
        return hc.callWithArg(HypercallOp.SCHED_OP, SchedOp.POLL.code(), SchedPollLayout.LAYOUT, a);
    }

    /** The pvclock protocol over vCPU 0's {@code vcpu_time_info} (pvkit's "TSC" is {@code System.nanoTime()}). */
    private long systemTime() {
        long t = sharedInfoGpa + SharedInfoLayout.vcpuInfoOffset(0) + VcpuInfoLayout.TIME_OFFSET;
        while (true) {
            int version = memory.getIntAcquire(t);
            long tsc = memory.getLong(t + 8);
            long system = memory.getLong(t + 16);
            int mul = memory.getInt(t + 24);
            int shift = memory.getByte(t + 28);
            VarHandle.acquireFence();
            if ((version & 1) == 0 && memory.getIntVolatile(t) == version) {
                long delta = System.nanoTime() - tsc;
                delta = shift >= 0 ? delta << shift : delta >>> -shift;
                return system + Math.unsignedMultiplyHigh(delta, Integer.toUnsignedLong(mul) << 32);
            }
            Thread.onSpinWait();
        }
    }

    private static void check(long rc, String what) {
        if (rc < 0) {
            throw new IllegalStateException("domain 0: " + what + " failed: " + XenErrno.describe(rc));
        }
    }

    private void handle(ToolstackMessage m) {
        switch (m) {
            case ToolstackMessage.Introduce in -> in.done().complete(introduce(in));
            case ToolstackMessage.Release r -> {
                release(r.domid());
                r.done().complete(true);
            }
            case ToolstackMessage.ConsoleInput ci -> {
                ConsoleConnection c = consoles.get(ci.domid());
                if (c != null) {
                    c.input(ci.bytes());
                    dirty.add(c);
                }
            }
        }
    }

    private boolean introduce(ToolstackMessage.Introduce in) {
        boolean ok = in.storePort() < 0 || connectStore(in.domid(), in.storePort());
        // the echo service: one notification back for each one received
        long echo = calls.bindInterdomain(in.domid(), in.echoPort());
        if (echo > 0) {
            int port = (int) echo;
            // Xen marks a freshly bound port pending (an event sent while it was unbound is not lost). The
            // guest has not run yet, so that is no ping: clear it, or the service would answer a ping
            // nobody sent.
            clearPending(port);
            echoPorts.put(in.domid(), port);
            demux.register(port, p -> calls.send(p));
            demux.unmask(port);
        } else {
            ok = false;
            say("echo service: cannot bind port " + in.echoPort() + " of " + in.name() + ": " + XenErrno.describe(echo));
        }
        // the console backend
        long hostAddr = MAP_AREA + GuestMemory.gpaOf(in.domid());
        int[] mapped = calls.mapGrant(in.domid(), in.consoleRef(), hostAddr);
        MemorySegment page = mapped[0] == 0 ? kernel.grantMapping(mapped[1]) : null;
        if (page == null) {
            say("console: cannot map the console page of " + in.name() + ": status " + mapped[0]);
            return false;
        }
        ConsoleConnection c = new ConsoleConnection(in.domid(), in.name(), mapped[1], hostAddr, page, log);
        long local = calls.bindInterdomain(in.domid(), in.consolePort());
        if (local <= 0) {
            say("console: cannot bind port " + in.consolePort() + " of " + in.name() + ": " + XenErrno.describe(local));
            calls.unmapGrant(c.handle, hostAddr);
            return false;
        }
        c.localPort = (int) local;
        consoles.put(in.domid(), c);
        demux.register(c.localPort, p -> dirty.add(c));
        demux.unmask(c.localPort);
        dirty.add(c);
        return ok;
    }

    private void clearPending(int port) {
        long word = sharedInfoGpa + SharedInfoLayout.EVTCHN_PENDING_OFFSET + 8L * (port >>> 6);
        memory.getAndBitwiseAndLong(word, ~(1L << (port & 63)));
    }

    private void release(int domid) {
        releaseStore(domid, true);
        ConsoleConnection c = consoles.remove(domid);
        if (c != null) {
            dirty.remove(c);
            boolean[] r;
            do {
                r = c.service(); // what the guest wrote before it died is not lost
            } while (r[0]);
            c.flush();
            demux.unregister(c.localPort);
            calls.close(c.localPort);
            calls.unmapGrant(c.handle, c.hostAddr);
        }
        Integer echo = echoPorts.remove(domid);
        if (echo != null) {
            demux.unregister(echo);
            calls.close(echo);
        }
    }

    /** One turn over the consoles with work; true when some still have more. */
    private boolean serviceConsoles() {
        if (dirty.isEmpty()) {
            return false;
        }
        ConsoleConnection[] turn = dirty.toArray(new ConsoleConnection[0]);
        dirty.clear();
        for (ConsoleConnection c : turn) {
            boolean wasBroken = c.broken() != null;
            boolean[] r = c.service();
            if (r[1]) {
                calls.send(c.localPort);
            }
            if (r[0]) {
                dirty.add(c);
            }
            if (!wasBroken && c.broken() != null) {
                demux.mask(c.localPort);
                say("console of " + c.name + " (domain " + c.domid + ") stopped: " + c.broken());
            }
        }
        return !dirty.isEmpty();
    }

    /** Domain 0's own messages go to the hypervisor console, like any domain's printk. */
    private void say(String text) {
        calls.raw().consoleWrite((text + "\n").getBytes(StandardCharsets.US_ASCII));
    }
}
