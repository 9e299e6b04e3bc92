package io.pvkit.hypervisor.dom0.block;

import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.spi.HypercallHandler;
import io.pvkit.abi.xenstore.XenbusState;
import io.pvkit.events.UpcallDemultiplexer;
import io.pvkit.hypervisor.dom0.BlockCounts;
import io.pvkit.hypervisor.dom0.Dom0Kernel;
import io.pvkit.hypervisor.dom0.xenstore.LocalConnection;
import io.pvkit.hypervisor.dom0.xenstore.XenstoreException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Domain 0's block backend (Linux's xen-blkback, QEMU's xen-block): the xenbus side of every vbd. Runs on
 * domain 0's vCPU; the connected queues ({@link BlockQueue}) are served in bounded turns by a few shared worker
 * threads ({@link BlockWorkers}).
 *
 * <p>Handshake: watches {@code /local/domain/0/backend/vbd}; for each {@code <domid>/<devid>} the toolstack
 * wrote, opens the image ({@code params}, {@code mode}), publishes every key of the contract
 * ({@code max-ring-page-order}, {@code multi-queue-max-queues}, {@code feature-persistent},
 * {@code feature-flush-cache}, {@code feature-discard}, {@code discard-granularity}, {@code discard-alignment},
 * {@code discard-secure}, {@code feature-max-indirect-segments}, {@code sector-size},
 * {@code physical-sector-size}, {@code sectors}, {@code info}) and switches to InitWait, then watches the
 * frontend's {@code state}. On Initialised (or Connected) it reads and validates the frontend's keys once
 * ({@link FrontendConfig}), maps the rings, binds the ports, starts the workers, rewrites {@code sectors} and
 * switches to Connected. Frontend Closing: workers stopped, everything unmapped and unbound, Closing then
 * Closed; frontend Closed: the same, Closed; a frontend that comes back to Initialising after Closed gets
 * InitWait again. Any invalid value: an {@code error} node with the reason and Closed, for that device only.
 *
 * <p>Release: when the toolstack removes a device directory, or domain 0 releases a destroyed guest
 * ({@link #release(int)}), the device's workers are stopped and its mappings, ports, frames and file are
 * given back. {@link #counts()} says what is held.
 */
public final class BlockBackend {
    /** Where the toolstack writes the backend directories. */
    public static final String BACKEND_DIR = "/local/domain/0/backend/vbd";
    /** {@code max-ring-page-order}: rings of up to 16 pages. */
    public static final int MAX_RING_PAGE_ORDER = 4;
    /** {@code multi-queue-max-queues}. */
    public static final int MAX_QUEUES = 4;
    /** {@code physical-sector-size}. */
    static final int PHYSICAL_SECTOR_SIZE = 4096;
    /** {@code info} bit {@code VDISK_READONLY}. */
    static final int VDISK_READONLY = 4;
    /** The first domain 0 frame the backend may hand to workers (0..7 are domain 0's own). */
    public static final long FIRST_WORKER_FRAME = 8;
    private static final String TOKEN = "vbd";
    private static final String FE_TOKEN = "vbd-fe:";

    private final BackendContext ctx;
    private final Map<String, VbdDevice> devices = new HashMap<>();
    /** Devices whose probe failed (error node written): not probed again until their directory goes. */
    private final Set<String> failed = new HashSet<>();
    /**
     * Guests released by {@link #release(int)} whose {@code backend/vbd/<domid>} directory the toolstack has not
     * removed yet: a watch event queued before the release must not probe (and open) their devices again (the
     * hypervisor does not reuse a domid while its table has room, so a new guest never hides behind an entry).
     */
    private final Set<String> released = new HashSet<>();

    /**
     * Creates the backend; call {@link #start()} on domain 0's vCPU.
     *
     * @param xs domain 0's in-process xenstore connection
     * @param vcpu the hypercall wrappers of domain 0's vCPU
     * @param demux domain 0's event demultiplexer
     * @param kernel the memory of domain 0's grant mappings
     * @param hypervisor the hypercall entry point (the workers call it as domain 0)
     * @param self domain 0's context
     * @param nrPages domain 0's frames; frames {@value #FIRST_WORKER_FRAME}..nrPages-1 go to the workers
     * @param say domain 0's console
     */
    public BlockBackend(LocalConnection xs, GuestHypercalls vcpu, UpcallDemultiplexer demux, Dom0Kernel kernel,
                        HypercallHandler hypervisor, HypercallContext self, long nrPages, Consumer<String> say) {
        GuestMemory memory = self.memory();
        this.ctx = new BackendContext(xs, vcpu, demux, kernel, hypervisor, self, memory,
                new Dom0Frames(FIRST_WORKER_FRAME, nrPages), BlockWorkers.fromProperty(), new BlockCounters(), say);
    }

    /** Starts watching {@value #BACKEND_DIR}. */
    public void start() {
        ctx.xs().watch(BACKEND_DIR, TOKEN);
    }

    /**
     * What the backend holds now.
     *
     * @return devices, grant mappings, served queues (the {@code workerThreads} count) and open files
     */
    public BlockCounts counts() {
        return ctx.counters().snapshot();
    }

    /**
     * Handles one watch event of domain 0's connection if it is the backend's.
     *
     * @param e the event
     * @return whether it was the backend's
     */
    public boolean onEvent(LocalConnection.WatchEvent e) {
        if (e.token().equals(TOKEN)) {
            scan();
            return true;
        }
        if (e.token().startsWith(FE_TOKEN)) {
            VbdDevice d = devices.get(e.token().substring(FE_TOKEN.length()));
            if (d != null) {
                frontendChanged(d);
            }
            return true;
        }
        return false;
    }

    /**
     * Releases every device of a destroyed guest: workers stopped, mappings, ports, frames and files given
     * back. The toolstack removes the directories.
     *
     * @param domid the guest
     */
    public void release(int domid) {
        released.add(Integer.toString(domid));
        devices.values().removeIf(d -> {
            if (d.domid != domid) {
                return false;
            }
            drop(d);
            return true;
        });
    }

    /** Releases every device (domain 0 is going away). */
    public void stopAll() {
        devices.values().forEach(this::drop);
        devices.clear();
    }

    private void drop(VbdDevice d) {
        d.release();
        ctx.counters().devices.decrementAndGet();
        ctx.counters().files.decrementAndGet();
        ignore(() -> ctx.xs().unwatch(d.frontend + "/state", FE_TOKEN + d.backend));
    }

    private void scan() {
        Set<String> present = new HashSet<>();
        List<String> domains = ctx.xs().directory(BACKEND_DIR);
        released.retainAll(domains);   // a released guest's directory is gone: its domid may come back
        for (String dom : domains) {
            if (released.contains(dom)) {
                continue;
            }
            for (String dev : ctx.xs().directory(BACKEND_DIR + "/" + dom)) {
                String backend = BACKEND_DIR + "/" + dom + "/" + dev;
                present.add(backend);
                if (!devices.containsKey(backend) && !failed.contains(backend)) {
                    probe(dom, dev, backend).ifPresent(d -> devices.put(backend, d));
                }
            }
        }
        // directories the toolstack removed: the device goes
        failed.retainAll(present);
        devices.values().removeIf(d -> {
            if (present.contains(d.backend)) {
                return false;
            }
            drop(d);
            return true;
        });
    }

    private Optional<VbdDevice> probe(String dom, String dev, String backend) {
        int domid;
        int devid;
        try {
            domid = Integer.parseInt(dom);
            devid = Integer.parseInt(dev);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        // the backend directory is domain 0's (the toolstack wrote it): trusted, but checked for completeness
        String frontend = ctx.xs().read(backend + "/frontend");
        String params = ctx.xs().read(backend + "/params");
        String mode = ctx.xs().read(backend + "/mode");
        if (frontend == null || params == null || mode == null
                || !frontend.equals("/local/domain/" + domid + "/device/vbd/" + devid)) {
            return Optional.empty(); // not (yet) a device the toolstack finished writing
        }
        DiskImage image;
        try {
            image = DiskImage.open(Path.of(params), !mode.equals("w"));
        } catch (IOException | RuntimeException e) {
            failed.add(backend);
            fail(backend, "cannot open " + params + ": " + e.getMessage());
            return Optional.empty();
        }
        ctx.counters().files.incrementAndGet();
        ctx.counters().devices.incrementAndGet();
        VbdDevice d = new VbdDevice(ctx, domid, devid, backend, frontend, image);
        publish(d);
        switchState(d, XenbusState.INIT_WAIT);
        ctx.xs().watch(frontend + "/state", FE_TOKEN + backend); // fires at once: the frontend may be ahead
        return Optional.of(d);
    }

    /** Every key of the contract, before InitWait. */
    private void publish(VbdDevice d) {
        String[][] keys = {
            {"max-ring-page-order", Integer.toString(MAX_RING_PAGE_ORDER)},
            {"multi-queue-max-queues", Integer.toString(MAX_QUEUES)},
            {"feature-persistent", "1"},
            {"feature-flush-cache", "1"},
            {"feature-discard", "1"},
            {"discard-granularity", Integer.toString(PHYSICAL_SECTOR_SIZE)},
            {"discard-alignment", "0"},
            {"discard-secure", "0"},
            {"feature-max-indirect-segments", Integer.toString(RequestExecutor.MAX_INDIRECT_SEGMENTS)},
            {"sector-size", Integer.toString(DiskImage.SECTOR)},
            {"physical-sector-size", Integer.toString(PHYSICAL_SECTOR_SIZE)},
            {"sectors", Long.toString(d.image.sectors())},
            {"info", Integer.toString(d.image.readOnly() ? VDISK_READONLY : 0)},
        };
        for (String[] kv : keys) {
            ignore(() -> ctx.xs().write(0, d.backend + "/" + kv[0], kv[1]));
        }
    }

    private void frontendChanged(VbdDevice d) {
        // UNTRUSTED: guest-written; parsed from this one read
        Optional<XenbusState> fe = XenbusState.parse(ctx.xs().read(d.frontend + "/state"));
        if (fe.isEmpty()) {
            return;
        }
        switch (fe.get()) {
            case INITIALISING -> {
                if (d.state == XenbusState.CLOSED) { // the frontend reconnects after a close
                    ignore(() -> ctx.xs().rm(0, d.backend + "/error"));
                    publish(d);
                    switchState(d, XenbusState.INIT_WAIT);
                }
            }
            case INITIALISED, CONNECTED -> {
                if (d.state == XenbusState.INIT_WAIT) {
                    connect(d);
                }
            }
            case CLOSING -> {
                if (d.state != XenbusState.CLOSED) {
                    d.disconnect();
                    switchState(d, XenbusState.CLOSING);
                    switchState(d, XenbusState.CLOSED);
                }
            }
            case CLOSED, UNKNOWN -> {
                d.disconnect();
                if (d.state != XenbusState.CLOSED) {
                    switchState(d, XenbusState.CLOSED);
                }
            }
            default -> { }
        }
    }

    private void connect(VbdDevice d) {
        try {
            FrontendConfig cfg = FrontendConfig.read(ctx.xs(), d.frontend, MAX_QUEUES, MAX_RING_PAGE_ORDER);
            d.connect(cfg);
        } catch (FrontendConfig.Invalid e) {
            fail(d.backend, e.getMessage());
            switchState(d, XenbusState.CLOSED);
            return;
        }
        ignore(() -> ctx.xs().write(0, d.backend + "/sectors", Long.toString(d.image.sectors())));
        switchState(d, XenbusState.CONNECTED);
    }

    private void fail(String backend, String message) {
        ctx.say().accept("blkback: " + backend + ": " + message);
        ignore(() -> ctx.xs().write(0, backend + "/error", message));
        ignore(() -> ctx.xs().write(0, backend + "/state", Integer.toString(XenbusState.CLOSED.code())));
    }

    private void switchState(VbdDevice d, XenbusState s) {
        d.state = s;
        ignore(() -> ctx.xs().write(0, d.backend + "/state", Integer.toString(s.code())));
    }

    private static void ignore(Runnable r) {
        try {
            r.run();
        } catch (XenstoreException e) {
            // the node went away meanwhile (the toolstack removed the device)
        }
    }

    /**
     * The backend paths of the devices known now (for tests).
     *
     * @return the paths
     */
    public List<String> devicePaths() {
        return List.copyOf(devices.keySet());
    }
}
