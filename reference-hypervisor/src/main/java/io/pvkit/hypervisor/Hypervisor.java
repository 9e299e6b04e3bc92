package io.pvkit.hypervisor;

import io.pvkit.abi.evtchn.Virq;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.abi.spi.HypercallHandler;
import io.pvkit.abi.spi.VcpuStart;
import io.pvkit.events.EventChannelHypercalls;
import io.pvkit.events.EventChannels;
import io.pvkit.grant.GrantTableHypercall;
import io.pvkit.grant.GrantTables;
import io.pvkit.hypervisor.dom0.Domain0;
import io.pvkit.hypervisor.dom0.ToolstackChannel;
import io.pvkit.hypervisor.dom0.ToolstackMessage;
import io.pvkit.hypervisor.internal.ConsoleLines;
import io.pvkit.hypervisor.internal.Dispatcher;
import io.pvkit.hypervisor.internal.DomainBuilder;
import io.pvkit.hypervisor.internal.DomainRecord;
import io.pvkit.hypervisor.internal.DomainTable;
import io.pvkit.hypervisor.internal.LibraryDomains;
import io.pvkit.hypervisor.internal.Platform;
import io.pvkit.hypervisor.internal.XenstoreToolstack;
import io.pvkit.process.GuestListener;
import io.pvkit.process.GuestSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The reference hypervisor (reference, not production): domains with memory and vCPU threads, the hypercall
 * dispatcher, the domain builder, and domain 0 with its console backend and echo service.
 *
 * {@snippet :
 * try (Hypervisor hv = Hypervisor.start(new HypervisorConfig(null, System.out::println))) {
 *     Domain guest = hv.createDomain(DomainConfig.guest("demo", 64, start -> {
 *         GuestHypercalls hc = new GuestHypercalls(start.hypervisor(), start.self(), 0, 4096);
 *         hc.consoleWrite("hello\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
 *         hc.shutdown(ShutdownReason.POWEROFF);
 *     }));
 *     guest.awaitShutdown(Duration.ofSeconds(5));     // prints "demo| hello"
 *     hv.destroyDomain(guest.domid());
 * }
 * }
 *
 * <p>vCPUs are platform threads (see the module README for why): each started vCPU runs its domain's
 * {@link io.pvkit.abi.spi.GuestEntryPoint} and enters the hypervisor only through {@link #dispatcher()}.
 *
 * <p>Thread safety: every method may be called from any thread; {@link #createDomain} and
 * {@link #destroyDomain} are serialised.
 */
public final class Hypervisor implements AutoCloseable {
    /** Name of domain 0. */
    public static final String DOM0_NAME = "Domain-0";
    /** Domain 0's own frames (16 MiB: most are the block backend's per-queue buffers, 34 frames a queue). */
    public static final long DOM0_FRAMES = 4096;
    /**
     * The longest the toolstack waits, at destroy, for a vCPU or a domain's resources to go before it logs
     * and goes on; also the default of {@link HypervisorConfig#serviceTimeout()}, the wait for domain 0 at
     * start.
     */
    public static final Duration SERVICE_TIMEOUT = HypervisorConfig.DEFAULT_SERVICE_TIMEOUT;

    private static final System.Logger LOG = System.getLogger("io.pvkit.hypervisor");

    private final long bootNanos = System.nanoTime();
    private final LibraryDomains library;
    private final DomainTable table = new DomainTable();
    private final Dispatcher dispatcher;
    private final DomainBuilder builder;
    private final ConsoleLines console;
    private final ToolstackChannel toolstack;
    private final AtomicInteger vcpuThreads = new AtomicInteger();
    private final ConcurrentHashMap<Integer, Domain> handles = new ConcurrentHashMap<>();
    private final Object lifecycle = new Object();
    private volatile boolean closed;
    private final Path xenstoreSocket;
    private final Path xenstoreTempDir;
    private final Duration serviceTimeout;
    private XenstoreToolstack xenstore;
    private volatile Domain0 dom0Services;
    private final List<GuestListener> listeners = new CopyOnWriteArrayList<>();
    private final ConcurrentHashMap<Integer, GuestSession> sessions = new ConcurrentHashMap<>();
    /** Destroys guests, at once or in steps (called holding {@code lifecycle}). */
    private final DomainTeardown teardown;

    private Hypervisor(HypervisorConfig config) {
        this.serviceTimeout = config.serviceTimeout();
        if (config.xenstoreSocket() != null) {
            this.xenstoreSocket = config.xenstoreSocket().toAbsolutePath();
            this.xenstoreTempDir = null;
        } else {
            try {
                this.xenstoreTempDir = Files.createTempDirectory("pvkit-xenstored-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a directory for xenstored's socket", e);
            }
            this.xenstoreSocket = xenstoreTempDir.resolve("socket");
        }
        this.library = new LibraryDomains(new EventChannels(), new GrantTables());
        EventChannels events = library.events();
        GrantTables grants = library.grants();
        this.console = new ConsoleLines(config.logDirectory(), config.consoleSink());
        this.builder = new DomainBuilder(library, console, bootNanos);
        this.dispatcher = new Dispatcher(table, library, new EventChannelHypercalls(events), new GrantTableHypercall(grants),
                new Toolstack());
        this.toolstack = new ToolstackChannel(() -> library.raiseVirq(0, Virq.DOM_EXC.code()));
        this.teardown = new DomainTeardown(library, table, toolstack, handles, sessions,
                () -> closed ? null : xenstore);
    }

    /**
     * Starts a hypervisor: creates domain 0 and waits until its services are up.
     *
     * @param config where console output goes
     * @return the running hypervisor
     * @throws IllegalStateException when domain 0 does not come up within the configuration's
     *     {@linkplain HypervisorConfig#serviceTimeout() service timeout}
     */
    public static Hypervisor start(HypervisorConfig config) {
        Objects.requireNonNull(config, "config");
        Hypervisor hv = new Hypervisor(config);
        try {
            hv.startDom0(config);
            return hv;
        } catch (RuntimeException e) {
            hv.close();
            throw e;
        }
    }

    private void startDom0(HypervisorConfig config) {
        Domain0 services = new Domain0(toolstack, handle -> library.grantMapping(0, handle), config.logDirectory(),
                console.serialisedSink(), xenstoreSocket);
        dom0Services = services;
        DomainConfig dom0 = new DomainConfig(DOM0_NAME, DOM0_FRAMES, 1, true, services, "", new MemoryBacking.Arena());
        DomainRecord record = builder.build(0, dom0, true);
        table.add(record);
        handles.put(0, new Domain(record, this));
        startVcpu(record, 0);
        try {
            toolstack.ready().get(serviceTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("domain 0 did not start within " + serviceTimeout + ": "
                    + (record.crashCause() != null ? record.crashCause() : e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while domain 0 started", e);
        }
        xenstore = new XenstoreToolstack(xenstoreSocket);
    }

    /**
     * The Unix domain socket on which domain 0's xenstored serves tools (connections act as domain 0):
     * {@code XENSTORED_PATH=<this> xenstore-ls} shows the live tree.
     *
     * @return the socket's path ({@link HypervisorConfig#xenstoreSocket()}, or a private temporary one)
     */
    public Path xenstoreSocket() {
        return xenstoreSocket;
    }

    /**
     * Builds a guest: memory, special pages, reserved grants and ports for domain 0, HVM params,
     * {@code start_info}; introduces it to domain 0 (console backend, echo service) and then starts vCPU 0
     * at {@code config.entry()} when there is one.
     *
     * @param config the domain's configuration
     * @return the domain
     * @throws IllegalArgumentException when the name is taken or the command line does not fit
     * @throws IllegalStateException when the hypervisor is closed
     */
    public Domain createDomain(DomainConfig config) {
        return create(config, null);
    }

    /**
     * {@link #createDomain(DomainConfig)} with a seam between the hypervisor and the new domain's shared
     * structures: {@code sharedView} is called once, with the domain's new memory, before the domain is
     * registered with pv-events and pv-grant, and every access those libraries make to the domain's
     * {@code shared_info} event bits (pending and mask words, selectors, {@code evtchn_upcall_pending}) and to its
     * grant entries goes through the {@link MemoryAccess} it returns; the frames a grant maps or copies, the
     * domain builder's own writes and {@link Domain#memory()} stay the memory itself.
     *
     * <p>What it is for: a test or conformance kit that must stand between the hypervisor and memory the guest
     * may rewrite at any time (count how often an entry is read, change it between two reads, stop a call
     * inside its delivery), as the pvkit kit's {@code SHARED_MEMORY_VIEW} rules do. A production caller uses
     * {@link #createDomain(DomainConfig)}, whose view is the domain's {@link GuestMemory}
     * itself. The view must address the same bytes as the memory it is given (same size, every access
     * reaching the same byte); a view of anything else makes the hypervisor disagree with its guest.
     *
     * @param config the domain's configuration
     * @param sharedView makes the view from the domain's memory
     * @return the domain
     * @throws IllegalArgumentException when the name is taken, the command line does not fit, or the view has
     *     another size than the memory
     * @throws NullPointerException when {@code sharedView} is or returns null
     * @throws IllegalStateException when the hypervisor is closed
     */
    public Domain createDomain(DomainConfig config,
                               Function<? super GuestMemory, ? extends MemoryAccess> sharedView) {
        return create(config, Objects.requireNonNull(sharedView, "sharedView"));
    }

    private Domain create(DomainConfig config,
                          Function<? super GuestMemory, ? extends MemoryAccess> sharedView) {
        Objects.requireNonNull(config, "config");
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("hypervisor is closed");
            }
            if (table.nameTaken(config.name())) {
                throw new IllegalArgumentException("a domain named '" + config.name() + "' exists");
            }
            DomainRecord record = builder.build(table.nextGuestId(), config, false, null, sharedView);
            Domain handle = register(record, config);
            if (config.entry() != null) {
                startVcpu(record, 0);
            }
            return handle;
        }
    }

    /** Adds a built domain, writes its xenstore entries and introduces it to domain 0. */
    private Domain register(DomainRecord record, DomainConfig config) {
        table.add(record);
        Domain handle = new Domain(record, this);
        handles.put(record.domid, handle);
        try {
            xenstore.writeGuest(record.domid, record.name, config.disks()); // libxl writes the tree, then introduces
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "xenstore entries of " + record.name + " not written", e);
        }
        CompletableFuture<Boolean> introduced = new CompletableFuture<>();
        toolstack.post(new ToolstackMessage.Introduce(record.domid, record.name,
                io.pvkit.abi.grant.GrantRefs.RESERVED_CONSOLE, record.consolePort, record.echoPort, introduced,
                record.storePort));
        if (!DomainTeardown.await(introduced)) {
            LOG.log(System.Logger.Level.WARNING, "domain 0 did not connect the services of " + record.name);
        }
        return handle;
    }

    // ------------------------------------------------------------------ guests in their own processes

    /**
     * Accepts guests that run in their own processes (pv-process): listens on a Unix socket; each guest
     * process that connects ({@code GuestConnection.connect(socket, new GuestRequest(vcpus, frames, name))})
     * gets a domain built by the same builder as {@link #createDomain} in a sealed {@code memfd} it maps,
     * and its hypercalls are served through its per-vCPU mailbox by this hypervisor's {@link #dispatcher()}
     * (a mailbox server thread per vCPU; {@code SCHEDOP_block}/{@code poll} park that thread). The domain is
     * introduced to domain 0 like any guest (console, echo, xenstore, disks of the policy). When the process
     * ends (exit, crash, {@code kill -9}) the domain is destroyed as by {@link #destroyDomain}; a process that
     * vanished without {@code SCHEDOP_shutdown} is recorded as crashed. {@link #close()} closes the listener
     * and ends every session (the guests' hypercalls then return {@code -ENODEV}).
     *
     * @param socket where to listen (created; must not exist)
     * @param policy what domain a joining guest gets ({@link GuestPolicy#asRequested()} for the default)
     * @param events told of each guest's join and leave (on the session's threads; must not block long), or null
     * @return the listener ({@code close()} stops accepting; running sessions go on)
     * @throws IllegalStateException when the hypervisor is closed
     * @throws io.pvkit.process.NativeException when the socket cannot be created
     */
    public GuestListener listenForGuests(Path socket, GuestPolicy policy, Consumer<GuestEvent> events) {
        Objects.requireNonNull(socket, "socket");
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("hypervisor is closed");
            }
            GuestListener listener = GuestListener.open(socket, new ProcessGuests(this, policy, events));
            listeners.add(listener);
            return listener;
        }
    }

    /**
     * {@link #listenForGuests(Path, GuestPolicy, Consumer)} with {@link GuestPolicy#asRequested()} and no
     * event listener.
     *
     * @param socket where to listen
     * @return the listener
     */
    public GuestListener listenForGuests(Path socket) {
        return listenForGuests(socket, GuestPolicy.asRequested(), null);
    }

    DomainRecord buildProcessDomain(DomainConfig config, io.pvkit.abi.memory.GuestMemory memory) {
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("hypervisor is closed");
            }
            if (table.nameTaken(config.name())) {
                throw new IllegalArgumentException("a domain named '" + config.name() + "' exists");
            }
            DomainRecord record = builder.build(table.nextGuestId(), config, false, memory);
            register(record, config);
            return record;
        }
    }

    DomainRecord processDomainStarted(GuestSession session) {
        DomainRecord d = table.get(session.domid());
        if (d == null || d.phase() != DomainRecord.RUNNING) {
            throw new IllegalStateException("domain " + session.domid() + " is gone");
        }
        sessions.put(d.domid, session);
        d.remoteVcpus(session.admission().vcpus());
        d.waker.forwardTo(session::kick); // pv-events' kick now also raises the guest's mailbox upcall word
        return d;
    }

    DomainInfo processDomainGone(GuestSession session, String reason) {
        DomainRecord d = table.get(session.domid());
        if (d == null || sessions.get(d.domid) != session && sessions.containsKey(d.domid)) {
            return null;
        }
        if (d.phase() == DomainRecord.RUNNING) {
            d.crash(new IllegalStateException("guest process gone without SCHEDOP_shutdown: " + reason));
        }
        DomainInfo last = infoOf(d);
        destroyDomain(d.domid);
        return last;
    }

    /**
     * The live domain with this id.
     *
     * @param domid a domain id
     * @return its handle, or empty when no such domain exists (never created, or destroyed)
     */
    public Optional<Domain> domain(int domid) {
        return table.get(domid) == null ? Optional.empty() : Optional.ofNullable(handles.get(domid));
    }

    /**
     * A snapshot of every live domain, domain 0 first, then by id.
     *
     * @return the snapshots
     */
    public List<DomainInfo> domains() {
        List<DomainInfo> list = new ArrayList<>();
        for (DomainRecord d : table.all()) {
            list.add(infoOf(d));
        }
        return list;
    }

    /**
     * Destroys a guest: its hypercalls answer {@code -ESRCH} and its blocked vCPUs return; the call waits
     * (bounded by {@link #SERVICE_TIMEOUT} per step) for its hypercalls in flight and its vCPU threads,
     * lets domain 0 drain its console and let go of it, releases its event channels (its peers' ports become
     * unbound) and grants (mappings of its pages die), and closes its memory once nothing maps it. A no-op
     * for an unknown id.
     *
     * @param domid the guest's id
     * @throws IllegalArgumentException for domain 0 (use {@link #close()})
     */
    public void destroyDomain(int domid) {
        if (domid == 0) {
            throw new IllegalArgumentException("domain 0 is destroyed by close()");
        }
        synchronized (lifecycle) {
            DomainRecord d = table.get(domid);
            if (d != null) {
                teardown.destroy(d);
            }
        }
    }

    /**
     * Destroys a guest in steps, as Xen continues a preempted {@code domain_kill} (each {@code -ERESTART} a
     * continuation): the first call does what {@link #destroyDomain} does before any release (the domain's
     * hypercalls answer {@code -ESRCH} from then on, its vCPUs return, domain 0 lets go of it), and each call,
     * the first included, examines at most {@code budget} of its event-channel port numbers (closing the bound
     * ones: their peers become unbound; free numbers count too, as in Xen's {@code evtchn_destroy}, so a whole
     * destroy takes about 4096 / {@code budget} steps) and releases at most {@code budget} grant mappings (while
     * I/O holds a mapping's view its release waits: see {@link #reapDeferredMappings()}). The call that releases
     * the last finishes the destroy as {@link #destroyDomain} does (the domain leaves {@link #domains()}, its memory is closed) and answers true.
     * {@link #destroyDomain} of a domain whose destroy is under way finishes it at once. A VMM uses this to keep
     * a domain with thousands of ports from holding the toolstack; a kit uses it to watch the teardown's bound.
     *
     * @param domid the guest's id
     * @param budget the most ports, and the most grant mappings, this call releases; at least 1
     * @return true when nothing of the domain is left (also for an unknown id); false when more steps are needed
     * @throws IllegalArgumentException for domain 0 (use {@link #close()}) or a budget below 1
     */
    public boolean destroyDomainStep(int domid, int budget) {
        if (domid == 0) {
            throw new IllegalArgumentException("domain 0 is destroyed by close()");
        }
        if (budget < 1) {
            throw new IllegalArgumentException("budget must be at least 1, got " + budget);
        }
        synchronized (lifecycle) {
            DomainRecord d = table.get(domid);
            return d == null || teardown.step(d, budget);
        }
    }

    // ------------------------------------------------------------------ observation for kits and tests

    /**
     * Raises a VIRQ of a domain, as the hypervisor's own timer or console does (Xen's
     * {@code send_guest_vcpu_virq} for a per-vCPU VIRQ such as {@code VIRQ_TIMER}, {@code send_guest_global_virq}
     * for a global one such as {@code VIRQ_CONSOLE}, which goes to its port's notify vCPU and ignores
     * {@code vcpu}). For VMMs that drive their own virtual devices and for conformance kits; any values may be
     * passed: an unknown domain, a vCPU or VIRQ that does not exist, or a VIRQ not bound sets nothing.
     *
     * @param domid the domain
     * @param vcpu the vCPU of a per-vCPU VIRQ
     * @param virq the VIRQ number ({@link Virq#code()})
     * @return true when a port was bound and is now pending
     */
    public boolean raiseVirq(int domid, int vcpu, int virq) {
        return library.raiseVirq(domid, vcpu, virq);
    }

    /**
     * Runs {@code probe} at every preemption point of event-channel teardown (pv-events releases at most
     * 64 ports per lock hold, as Xen's {@code hypercall_preempt_check} does): what a conformance kit uses
     * to prove that destroying a domain with thousands of ports never holds the lock throughout.
     *
     * @param probe the action (must not destroy domains itself)
     */
    public void onPreemptionPoint(Runnable probe) {
        library.events().onPreemptionPoint(probe);
    }

    /**
     * The memory view of a grant mapping that {@code mapper} made with {@code GNTTABOP_map_grant_ref}:
     * what the page-table entry at {@code host_addr} would reach in Xen. The view dies at unmap (touching
     * it then throws), so a backend or a kit can check that no mapping outlives its handle.
     *
     * @param mapper the mapping domain
     * @param handle the handle the map returned (untrusted: any value)
     * @return the view, or empty when the handle is not a live mapping of {@code mapper}
     */
    public Optional<java.lang.foreign.MemorySegment> grantMapping(int mapper, int handle) {
        return Optional.ofNullable(library.grants().segmentOf(mapper, handle));
    }

    /**
     * Retries the grant releases that were deferred because I/O still held a mapping's view (pv-grant
     * never unpins a page while its view lives); destroy does this too while it waits.
     *
     * @return the number of deferred releases completed by this call
     */
    public int reapDeferredMappings() {
        return library.grants().reap();
    }

    /**
     * The full hypercall path: what every vCPU calls, and what tests and the conformance kit call with a
     * {@link Domain#context(int)}.
     *
     * @return the dispatcher
     */
    public HypercallHandler dispatcher() {
        return dispatcher;
    }

    /**
     * What the hypervisor holds right now.
     *
     * @return domains, ports in use, grant mappings, live vCPU threads and the block backend's resources
     */
    public ResourceCounts counts() {
        int ports = 0;
        int mappings = 0;
        List<DomainRecord> all = table.all();
        for (DomainRecord d : all) {
            ports += library.boundPorts(d.domid);
            mappings += library.grantMappings(d.domid);
        }
        Domain0 services = dom0Services;
        io.pvkit.hypervisor.dom0.BlockCounts blk = services == null
                ? io.pvkit.hypervisor.dom0.BlockCounts.NONE : services.blockCounts();
        int live = 0;
        for (GuestSession s : sessions.values()) {
            live += s.ended() ? 0 : 1;
        }
        return new ResourceCounts(all.size(), ports, mappings, vcpuThreads.get(), blk.devices(), blk.grantMappings(),
                blk.workerThreads(), blk.openFiles(), live);
    }

    /**
     * The hypervisor's system time ({@code SCHEDOP_poll}'s clock): nanoseconds since {@link #start}.
     *
     * @return the time
     */
    public long systemTimeNanos() {
        return System.nanoTime() - bootNanos;
    }

    /**
     * Destroys every guest (highest id first), then domain 0. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            for (GuestListener l : listeners) {
                l.close();
            }
            listeners.clear();
            List<DomainRecord> all = table.all();
            Collections.reverse(all);
            if (xenstore != null) {
                xenstore.close();
            }
            for (DomainRecord d : all) {
                teardown.destroy(d);
            }
            if (xenstoreTempDir != null) {
                try {
                    Files.deleteIfExists(xenstoreSocket);
                    Files.deleteIfExists(xenstoreTempDir);
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.DEBUG, "temporary xenstore directory left: " + xenstoreTempDir);
                }
            }
        }
    }

    /** The library registrations (package-private: tests inspect ports, pins and mappings through it). */
    LibraryDomains library() {
        return library;
    }

    void consoleInput(int domid, byte[] bytes) {
        toolstack.post(new ToolstackMessage.ConsoleInput(domid, bytes));
    }

    static DomainInfo infoOf(DomainRecord d) {
        DomainState state = switch (d.phase()) {
            case DomainRecord.RUNNING -> {
                int live = d.liveThreads().get() + d.remoteVcpus();
                yield live > 0 && d.waker.waiting() >= live ? DomainState.BLOCKED : DomainState.RUNNING;
            }
            case DomainRecord.SHUTDOWN -> DomainState.SHUTDOWN;
            case DomainRecord.DYING -> DomainState.DYING;
            default -> DomainState.DEAD;
        };
        return new DomainInfo(d.domid, d.name, state, d.shutdownReason(), d.hypercalls.sum(), d.eventsSent.sum(),
                d.eventsDelivered.sum(), d.crashCause());
    }

    // ------------------------------------------------------------------------------------ internals

    private boolean startVcpu(DomainRecord d, int vcpu) {
        if (d.entry == null) {
            return false;
        }
        Thread t = Thread.ofPlatform().name("d" + d.domid + "v" + vcpu + "-" + d.name).daemon(true)
                .unstarted(() -> runVcpu(d, vcpu));
        if (!d.attachThread(vcpu, t)) {
            return false;
        }
        vcpuThreads.incrementAndGet();
        d.liveThreads().incrementAndGet();
        t.start();
        return true;
    }

    private void runVcpu(DomainRecord d, int vcpu) {
        try {
            HypercallContext self = HypercallContext.of(d.domid, vcpu, d.privileged, d.memory);
            d.entry.enter(new VcpuStart(dispatcher, self, d.map.startInfoGpa()));
        } catch (Throwable e) {
            if (d.phase() == DomainRecord.RUNNING) {
                LOG.log(System.Logger.Level.INFO, "vCPU " + vcpu + " of " + d.name + " crashed", e);
                d.crash(e);
            }
        } finally {
            int left = d.liveThreads().decrementAndGet();
            vcpuThreads.decrementAndGet();
            if (left == 0 && d.phase() == DomainRecord.RUNNING) {
                d.crash(new IllegalStateException("every vCPU of " + d.name + " returned without SCHEDOP_shutdown"));
            }
        }
    }

    /** The toolstack side the dispatcher calls back. */
    private final class Toolstack implements Platform {
        @Override
        public boolean startVcpu(DomainRecord domain, int vcpu) {
            return Hypervisor.this.startVcpu(domain, vcpu);
        }

        @Override
        public void shutDown(DomainRecord domain) {
            LOG.log(System.Logger.Level.DEBUG, () -> domain.name + " shut down: " + domain.shutdownReason());
        }

        @Override
        public long systemTimeNanos() {
            return Hypervisor.this.systemTimeNanos();
        }

        @Override
        public long toNanoTime(long systemTime) {
            return bootNanos + systemTime;
        }
    }
}
