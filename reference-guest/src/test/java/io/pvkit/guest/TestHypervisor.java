package io.pvkit.guest;

import io.pvkit.abi.DomId;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.evtchn.VcpuInfoLayout;
import io.pvkit.abi.grant.GrantRefs;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.GuestMemoryFault;
import io.pvkit.abi.platform.ConsoleIoOp;
import io.pvkit.abi.platform.HvmOp;
import io.pvkit.abi.platform.HvmParam;
import io.pvkit.abi.platform.PhysMapSpace;
import io.pvkit.abi.platform.SchedOp;
import io.pvkit.abi.platform.SchedShutdownLayout;
import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.abi.platform.XenAddToPhysmapLayout;
import io.pvkit.abi.platform.XenHvmParamLayout;
import io.pvkit.abi.platform.XenMemOp;
import io.pvkit.abi.spi.GuestEntryPoint;
import io.pvkit.abi.spi.HypercallHandler;
import io.pvkit.abi.spi.VcpuStart;
import io.pvkit.events.EventChannelHypercalls;
import io.pvkit.events.EventChannels;
import io.pvkit.events.ThreadVcpuKicker;
import io.pvkit.events.UpcallDemultiplexer;
import io.pvkit.grant.GrantTableHypercall;
import io.pvkit.grant.GrantTables;
import io.pvkit.grant.GuestGrantTable;
import io.pvkit.rings.ByteStreamLayout;
import io.pvkit.rings.ByteStreamReader;
import io.pvkit.rings.RingBrokenException;
import io.pvkit.xenbus.BackendDevice;
import io.pvkit.xenbus.EventDispatch;
import io.pvkit.xenbus.XenbusClient;
import io.pvkit.xenbus.XenbusKeys;
import io.pvkit.xenbus.testpeer.XenstoreTestPeer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * TEST DOUBLE, test scope only: the smallest hypervisor that boots one reference guest, written to
 * the system contract (issue 10) over pv-events and pv-grant. It is not the reference hypervisor
 * (which the guest never depends on) and it cuts corners a real one must not: domain 0 is a Java
 * thread that calls the libraries directly instead of issuing hypercalls, it reads the guest's console
 * page directly instead of mapping the reserved grant, and it runs exactly one guest (domain 1).
 *
 * <p>What it does like the contract says: the builder's memory map (own frames, then start_info,
 * shared_info, console, xenstore and grant frames above {@code nr_pages}), reserved grants 0 and 1,
 * HVM params, {@code add_to_physmap} accepting only the contract's frames, {@code SCHEDOP_block} until
 * the guest's {@code evtchn_upcall_pending}, shutdown with a reason and {@code -ESRCH} afterwards,
 * {@code CONSOLEIO_write}, and domain 0's echo (one notification back per notification) and console
 * (drain, split lines, notify) services. Its xenstore is pv-xenbus's test-scope {@link XenstoreTestPeer}
 * (also a test double) served on the guest's xenstore page and store port; the toolstack writes the echo
 * device's directories and domain 0's echo backend walks the handshake with pv-xenbus's
 * {@link BackendDevice} over an in-memory connection.
 */
final class TestHypervisor implements HypercallHandler, AutoCloseable {
    static final int DOM0 = 0;
    static final int GUEST = 1;
    static final long NR_PAGES = 512;   // 2 MiB: room for a block frontend's rings and pages
    static final long START_INFO = NR_PAGES;
    static final long SHARED_INFO = NR_PAGES + 1;
    static final long CONSOLE = NR_PAGES + 2;
    static final long STORE = NR_PAGES + 3;
    static final long GRANT_BASE = NR_PAGES + 4;
    static final int GRANT_MAX = 4;
    static final long GUEST_FRAMES = GRANT_BASE + GRANT_MAX;
    private static final long DOM0_SHARED_INFO = 1;
    private static final long DOM0_GRANT_TABLE = 2;

    /** What the test changes before the guest starts. */
    static final class Knobs {
        boolean dom0BindsEcho = true;
        boolean consoleDrains = true;
        int corruptOutConsAfterBytes = -1;   // the console backend writes a hostile out_cons once it saw this many bytes
        long sharedInfoFailure;              // a negated errno for add_to_physmap(shared_info), 0 = succeed
        int echoesBeforeDestroy = -1;        // destroy the guest after this many echoes
        boolean xenstore = true;             // serve xenstore on the store page/port (false: the port stays unbound)
        boolean echoDevice = true;           // the toolstack writes device/pvkit-echo/0 (needs xenstore and dom0BindsEcho)
        boolean backendConnects = true;      // dom0's echo backend completes the handshake (false: stays in InitWait)
        int backendClosesAfterEchoes = -1;   // dom0's echo backend closes the device after this many echoes
        boolean vbd;                         // the toolstack writes device/vbd/51712 and dom0 serves it (TestBlockBackend)
    }

    final Knobs knobs = new Knobs();
    final GuestMemory dom0Memory = GuestMemory.allocate(4);
    final GuestMemory guestMemory = GuestMemory.allocate(GUEST_FRAMES);
    private final EventChannels events = new EventChannels();
    private final GrantTables grants = new GrantTables();
    private final EventChannelHypercalls eventOps = new EventChannelHypercalls(events);
    private final GrantTableHypercall grantOps = new GrantTableHypercall(grants);
    private final ThreadVcpuKicker guestKicker = new ThreadVcpuKicker(1);
    private final ThreadVcpuKicker dom0Kicker = new ThreadVcpuKicker(1);
    private final Map<Integer, Long> hvmParams = new ConcurrentHashMap<>();
    final List<String> consoleLines = new CopyOnWriteArrayList<>();   // from the console ring, in order
    final StringBuffer hypervisorConsole = new StringBuffer();        // CONSOLEIO_write
    final List<String> calls = new CopyOnWriteArrayList<>();          // notable hypercalls, for assertions
    final AtomicLong echoes = new AtomicLong();
    private final StringBuilder partialLine = new StringBuilder();
    private volatile ShutdownReason shutdown;
    private volatile boolean halted;
    private volatile boolean stopping;
    private int guestConsolePort;
    private int guestEchoPort;
    private int dom0ConsolePort;
    private int dom0EchoPort = -1;
    private Thread dom0;
    private ByteStreamReader consoleReader;
    private volatile long consoleSeen;
    static final String FRONT = XenbusKeys.frontendPath(GUEST, "pvkit-echo", 0);
    static final String BACK = XenbusKeys.backendPath(DOM0, "pvkit-echo", GUEST, 0);
    private XenstoreTestPeer xenstore;
    private XenstoreTestPeer.RingServer storeServer;
    private int dom0StorePort = -1;
    private XenbusClient dom0Xenstore;
    private volatile BackendDevice echoBackend;
    private volatile int deviceEchoPort = -1;   // dom0's end of the port the handshake published
    private volatile boolean echoDeviceUsed;
    private TestBlockBackend blockBackend;

    /** Builds domain 0 and the guest the way the contract's domain builder does. */
    TestHypervisor build(String userCmdline) {
        LibraryRegistration.addDomain(events, new DomainSpec(DOM0, dom0Memory, 1, true), DOM0_SHARED_INFO, dom0Kicker);
        DomainSpec guest = new DomainSpec(GUEST, guestMemory, 1, false);
        LibraryRegistration.addDomain(events, guest, SHARED_INFO, guestKicker);
        LibraryRegistration.addDomain(grants, guest, GRANT_BASE, GRANT_MAX);
        if (knobs.vbd) {
            // domain 0 maps the guest's grants (its block backend): pv-grant needs it as a mapping domain
            LibraryRegistration.addDomain(grants, new DomainSpec(DOM0, dom0Memory, 1, true), DOM0_GRANT_TABLE, 1);
        }
        guestConsolePort = events.allocUnbound(DOM0, GUEST, DOM0);
        int storePort = events.allocUnbound(DOM0, GUEST, DOM0);
        guestEchoPort = events.allocUnbound(DOM0, GUEST, DOM0);
        dom0ConsolePort = events.bindInterdomain(DOM0, GUEST, guestConsolePort);
        if (knobs.dom0BindsEcho) {
            dom0EchoPort = events.bindInterdomain(DOM0, GUEST, guestEchoPort);
        }
        GuestGrantTable toolstackView = new GuestGrantTable(guestMemory, GRANT_BASE);
        toolstackView.grantReserved(GrantRefs.RESERVED_CONSOLE, DOM0, CONSOLE, false);
        toolstackView.grantReserved(GrantRefs.RESERVED_XENSTORE, DOM0, STORE, false);
        hvmParams.put(HvmParam.CONSOLE_PFN, CONSOLE);
        hvmParams.put(HvmParam.CONSOLE_EVTCHN, (long) guestConsolePort);
        hvmParams.put(HvmParam.STORE_PFN, STORE);
        hvmParams.put(HvmParam.STORE_EVTCHN, (long) storePort);
        StartInfoImage si = StartInfoImage.valid(NR_PAGES,
                "pvkit.name=guest1 pvkit.echo=" + guestEchoPort + (userCmdline.isEmpty() ? "" : " " + userCmdline));
        si.sharedInfo = GuestMemory.gpaOf(SHARED_INFO);
        si.consoleMfn = CONSOLE;
        si.consoleEvtchn = guestConsolePort;
        si.storeMfn = STORE;
        si.storeEvtchn = storePort;
        si.writeTo(guestMemory, GuestMemory.gpaOf(START_INFO));
        consoleReader = ByteStreamReader.attach(GuestMemory.wrap(guestMemory.frame(CONSOLE)), ByteStreamLayout.CONSOLE_OUT);
        if (knobs.xenstore) {
            if (xenstore == null) {
                xenstore = new XenstoreTestPeer();
            }
            dom0StorePort = events.bindInterdomain(DOM0, GUEST, storePort);
            int port = dom0StorePort;
            storeServer = xenstore.serveRing(GuestMemory.wrap(guestMemory.frame(STORE)), GUEST,
                    () -> events.send(DOM0, port));
            xenstore.put(XenbusKeys.home(GUEST) + "/name", "guest1");
            xenstore.put(XenbusKeys.home(GUEST) + "/domid", Integer.toString(GUEST));
            if (knobs.echoDevice && knobs.dom0BindsEcho) {
                echoDeviceUsed = true;
                xenstore.put(FRONT + "/backend", BACK);
                xenstore.put(FRONT + "/backend-id", Integer.toString(DOM0));
                xenstore.put(FRONT + "/state", "1");
                xenstore.put(BACK + "/frontend", FRONT);
                xenstore.put(BACK + "/frontend-id", Integer.toString(GUEST));
                xenstore.put(BACK + "/state", "1");
            }
            if (knobs.vbd) {
                blockBackend().writeToolstackNodes();
            }
        }
        return this;
    }

    /** Starts domain 0's services and the guest's vCPU 0; returns the vCPU thread. */
    Thread start(GuestEntryPoint entry) {
        dom0 = Thread.ofPlatform().name("dom0").daemon().start(this::dom0Services);
        dom0Kicker.attach(0, dom0);
        if (echoDeviceUsed) {
            dom0Xenstore = XenbusClient.over(xenstore.inProcess(DOM0), XenbusClient.Options.defaults(EventDispatch.THREAD));
            echoBackend = BackendDevice.open(dom0Xenstore, BACK);
            Thread.ofPlatform().name("dom0-echo-backend").daemon().start(() -> {
                try {
                    if (knobs.backendConnects) {
                        echoBackend.connect(Duration.ofSeconds(20), d -> deviceEchoPort = events.bindInterdomain(DOM0, GUEST,
                                d.readOtherEndInt(XenbusKeys.EVENT_CHANNEL, 1, SharedInfoLayout.NR_2L_CHANNELS - 1)));
                    } else {
                        echoBackend.switchState(io.pvkit.abi.xenstore.XenbusState.INIT_WAIT);
                    }
                } catch (RuntimeException e) {
                    hypervisorConsole.append("echo backend: ").append(e);
                }
                LockSupport.unpark(dom0);
            });
        }
        if (blockBackend != null && knobs.vbd) {
            blockBackend.start();
        }
        Thread vcpu = Thread.ofPlatform().name("guest1-vcpu0").daemon().unstarted(() -> {
            try {
                entry.enter(new VcpuStart(this, HypercallContext.of(GUEST, 0, false, guestMemory),
                        GuestMemory.gpaOf(START_INFO)));
            } catch (Exception e) {
                hypervisorConsole.append("entry point threw ").append(e);
            }
        });
        guestKicker.attach(0, vcpu);
        vcpu.start();
        return vcpu;
    }

    /**
     * Domain 0's block backend (created on first use; configure its offer before {@link #build}, with
     * {@code knobs.vbd} set).
     */
    TestBlockBackend blockBackend() {
        if (blockBackend == null) {
            if (xenstore == null) {
                xenstore = new XenstoreTestPeer();
            }
            blockBackend = new TestBlockBackend(events, grants, guestMemory, xenstore);
        }
        return blockBackend;
    }

    /** The xenstore test double (created by {@link #build} or {@link #blockBackend()}), for fault injection. */
    XenstoreTestPeer xenstorePeer() {
        return xenstore;
    }

    /** Console bytes domain 0 has drained from the guest's ring. */
    long consoleDrained() {
        return consoleSeen;
    }

    ShutdownReason shutdownReason() {
        return shutdown;
    }

    Long hvmParam(int index) {
        return hvmParams.get(index);
    }

    /** A node of the test xenstore (null when missing or when xenstore is off). */
    String xenstoreNode(String path) {
        return xenstore == null ? null : xenstore.get(path);
    }

    /** Halts the guest like a destroy: block returns, every later hypercall answers -ESRCH. */
    void destroyGuest() {
        halted = true;
        guestKicker.kick(0);
    }

    // ------------------------------------------------------------------ dispatch

    @Override
    public long hypercall(HypercallContext caller, long op, long a1, long a2, long a3, long a4, long a5) {
        if (caller.domid() != GUEST) {
            return XenErrno.EPERM.negated();
        }
        if (halted) {
            return XenErrno.ESRCH.negated();
        }
        try {
            return dispatch(caller, op, a1, a2, a3);
        } catch (GuestMemoryFault fault) {
            return XenErrno.EFAULT.negated();
        }
    }

    private long dispatch(HypercallContext caller, long op, long a1, long a2, long a3) {
        if (op == HypercallOp.EVENT_CHANNEL_OP.number()) {
            return eventOps.eventChannelOp(caller, a1, a2);
        } else if (op == HypercallOp.GRANT_TABLE_OP.number()) {
            return grantOps.grantTableOp(caller, a1, a2, a3);
        } else if (op == HypercallOp.MEMORY_OP.number() && a1 == XenMemOp.ADD_TO_PHYSMAP) {
            return addToPhysmap(caller.copyIn(a2, XenAddToPhysmapLayout.LAYOUT));
        } else if (op == HypercallOp.HVM_OP.number()) {
            return hvmOp(caller, a1, a2);
        } else if (op == HypercallOp.SCHED_OP.number()) {
            return schedOp(caller, a1, a2);
        } else if (op == HypercallOp.CONSOLE_IO.number() && a1 == ConsoleIoOp.WRITE) {
            if (a2 < 0 || a2 > 4096) {
                return XenErrno.EINVAL.negated();
            }
            hypervisorConsole.append(new String(caller.readBytes(a3, a2), StandardCharsets.US_ASCII));
            return 0;
        }
        return XenErrno.ENOSYS.negated();
    }

    private long addToPhysmap(MemorySegment arg) {
        int domid = Short.toUnsignedInt(arg.get(ValueLayout.JAVA_SHORT, XenAddToPhysmapLayout.DOMID_OFFSET));
        int space = arg.get(ValueLayout.JAVA_INT, XenAddToPhysmapLayout.SPACE_OFFSET);
        long idx = arg.get(ValueLayout.JAVA_LONG, XenAddToPhysmapLayout.IDX_OFFSET);
        long gpfn = arg.get(ValueLayout.JAVA_LONG, XenAddToPhysmapLayout.GPFN_OFFSET);
        calls.add("add_to_physmap(" + space + "," + idx + "," + gpfn + ")");
        if (domid != DomId.SELF && domid != GUEST) {
            return XenErrno.EPERM.negated();
        }
        if (space == PhysMapSpace.SHARED_INFO.code() && idx == 0 && gpfn == SHARED_INFO) {
            return knobs.sharedInfoFailure;
        }
        if (space == PhysMapSpace.GRANT_TABLE.code() && idx >= 0 && idx < GRANT_MAX && gpfn == GRANT_BASE + idx) {
            return 0;
        }
        return XenErrno.EINVAL.negated();
    }

    private long hvmOp(HypercallContext caller, long cmd, long argGpa) {
        MemorySegment arg = caller.copyIn(argGpa, XenHvmParamLayout.LAYOUT);
        int domid = Short.toUnsignedInt(arg.get(ValueLayout.JAVA_SHORT, XenHvmParamLayout.DOMID_OFFSET));
        int index = arg.get(ValueLayout.JAVA_INT, XenHvmParamLayout.INDEX_OFFSET);
        if (domid != DomId.SELF && domid != GUEST) {
            return XenErrno.EPERM.negated();
        }
        if (cmd == HvmOp.GET_PARAM) {
            Long value = hvmParams.get(index);
            if (value == null) {
                return XenErrno.EINVAL.negated();
            }
            arg.set(ValueLayout.JAVA_LONG, XenHvmParamLayout.VALUE_OFFSET, value);
            caller.copyOut(argGpa, XenHvmParamLayout.LAYOUT, arg);
            return 0;
        }
        if (cmd == HvmOp.SET_PARAM && index == HvmParam.CALLBACK_IRQ) {
            hvmParams.put(index, arg.get(ValueLayout.JAVA_LONG, XenHvmParamLayout.VALUE_OFFSET));
            calls.add("set_param(callback_irq)");
            return 0;
        }
        return cmd == HvmOp.SET_PARAM ? XenErrno.EPERM.negated() : XenErrno.ENOSYS.negated();
    }

    private long schedOp(HypercallContext caller, long cmd, long argGpa) {
        if (cmd == SchedOp.YIELD.code()) {
            Thread.yield();
            return 0;
        }
        if (cmd == SchedOp.BLOCK.code()) {
            long upcall = GuestMemory.gpaOf(SHARED_INFO) + SharedInfoLayout.VCPU_INFO_OFFSET
                    + VcpuInfoLayout.UPCALL_PENDING_OFFSET;
            // the kicker unparks this thread when pv-events raises evtchn_upcall_pending; like the reference
            // hypervisor, a blocked vCPU also wakes after a second (so timeouts of a guest's waits hold)
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (guestMemory.getByte(upcall) == 0 && !halted && System.nanoTime() - until < 0) {
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(10));
            }
            return halted ? XenErrno.ESRCH.negated() : 0;
        }
        if (cmd == SchedOp.SHUTDOWN.code()) {
            MemorySegment arg = caller.copyIn(argGpa, SchedShutdownLayout.LAYOUT);
            ShutdownReason reason = ShutdownReason.of(arg.get(ValueLayout.JAVA_INT, SchedShutdownLayout.REASON_OFFSET))
                    .orElse(null);
            if (reason == null) {
                return XenErrno.EINVAL.negated();
            }
            shutdown = reason;
            halted = true;
            return 0;
        }
        return XenErrno.ENOSYS.negated();
    }

    // ------------------------------------------------------------------ domain 0's services

    private void dom0Services() {
        UpcallDemultiplexer demux = new UpcallDemultiplexer(dom0Memory, DOM0_SHARED_INFO, 0);
        if (dom0EchoPort > 0 && !echoDeviceUsed) {
            demux.register(dom0EchoPort, this::echo);
            demux.unmask(dom0EchoPort);
        }
        demux.register(dom0ConsolePort, port -> drainConsole());
        demux.unmask(dom0ConsolePort);
        if (storeServer != null) {
            demux.register(dom0StorePort, port -> serveXenstore());
            demux.unmask(dom0StorePort);
        }
        int deviceRegistered = -1;
        while (!stopping) {
            demux.awaitUpcallParked(TimeUnit.MILLISECONDS.toNanos(5));
            int devicePort = deviceEchoPort;
            if (devicePort > 0 && devicePort != deviceRegistered) {
                deviceRegistered = devicePort;
                demux.register(devicePort, this::echo);
                demux.unmask(devicePort);
            }
            demux.handleUpcall();
            drainConsole();   // also without a notification, after the guest shut down
            serveXenstore();
        }
    }

    private void echo(int port) {
        long n = echoes.incrementAndGet();
        if (n == knobs.echoesBeforeDestroy) {
            destroyGuest();
            return;
        }
        if (n == knobs.backendClosesAfterEchoes) {
            BackendDevice be = echoBackend;
            Thread.ofPlatform().daemon().start(() -> be.disconnect(Duration.ofSeconds(10)));
        }
        events.send(DOM0, port);
    }

    private void serveXenstore() {
        if (storeServer != null && !halted) {
            try {
                storeServer.poll();
            } catch (RingBrokenException e) {
                hypervisorConsole.append("xenstore ring broken: ").append(e.getMessage());
                storeServer = null;
            }
        }
    }

    private void drainConsole() {
        if (!knobs.consoleDrains) {
            return;
        }
        MemorySegment buf = MemorySegment.ofArray(new byte[512]);
        int n;
        try {
            while ((n = consoleReader.read(buf, 0, 512)) > 0) {
                for (byte b : buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE)) {
                    if (b == '\n') {
                        consoleLines.add(partialLine.toString());
                        partialLine.setLength(0);
                    } else {
                        partialLine.append((char) b);
                    }
                }
                // ORDERING: counted after the lines are added: a test that sees every byte drained sees every line
                consoleSeen += n;
                if (knobs.corruptOutConsAfterBytes >= 0 && consoleSeen >= knobs.corruptOutConsAfterBytes) {
                    knobs.corruptOutConsAfterBytes = -1;
                    knobs.consoleDrains = false;
                    guestMemory.setIntRelease(GuestMemory.gpaOf(CONSOLE) + ByteStreamLayout.CONSOLE_OUT.consOffset(),
                            consoleReader.consumerIndex() + 100_000);
                    return;
                }
                if (!halted) {
                    events.send(DOM0, dom0ConsolePort);   // like xenconsoled: tell the guest space was freed
                }
            }
        } catch (RingBrokenException e) {
            consoleLines.add("<console ring broken: " + e.getMessage() + ">");
            knobs.consoleDrains = false;
        }
    }

    @Override
    public void close() {
        stopping = true;
        halted = true;
        if (blockBackend != null) {
            blockBackend.stop();
        }
        if (dom0 != null) {
            LockSupport.unpark(dom0);
            try {
                dom0.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (dom0Xenstore != null) {
            dom0Xenstore.close();
        }
        if (xenstore != null) {
            xenstore.close();
        }
        LibraryRegistration.releaseDomain(events, GUEST);
        LibraryRegistration.releaseDomain(grants, GUEST);
        if (grants.hasDomain(DOM0)) {
            LibraryRegistration.releaseDomain(grants, DOM0);
        }
        LibraryRegistration.releaseDomain(events, DOM0);
        guestMemory.close();
        dom0Memory.close();
    }
}
