package io.pvkit.guest;

import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.evtchn.VcpuInfoLayout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantRefs;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.HvmParam;
import io.pvkit.abi.platform.PhysMapSpace;
import io.pvkit.abi.spi.VcpuStart;
import io.pvkit.events.UpcallDemultiplexer;
import io.pvkit.grant.GrantEntrySnapshot;
import io.pvkit.grant.GuestGrantTable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The boot of a reference guest, in the order a Linux PVH guest follows: read {@code start_info}, read
 * the HVM params, map {@code shared_info}, set up the grant table, register the upcall, start the
 * demultiplexer, connect the console. Each step checks what the hypervisor answered; the first
 * failure is a {@link BootException} naming the step and the value.
 */
final class BootSequence {
    /** Linux's {@code HYPERVISOR_CALLBACK_VECTOR}; pvkit delivers upcalls by waking the vCPU, any value works. */
    static final int CALLBACK_VECTOR = 0xF3;
    /** The most grant-table frames the guest sets up (512 references each). */
    static final int MAX_GRANT_FRAMES = 32;

    private final VcpuStart start;
    private final GuestMemory memory;
    private final PlatformCalls calls;
    private final GuestOptions options;
    private final GuestStats stats;
    private final List<String> notes = new ArrayList<>();
    private ConsoleFrontend console;

    BootSequence(VcpuStart start, GuestHypercalls hypercalls, GuestOptions options, GuestStats stats) {
        this.start = start;
        this.memory = start.self().memory();
        this.calls = new PlatformCalls(hypercalls);
        this.options = options;
        this.stats = stats;
    }

    /** The console once connected (for the crash message of a later failure), else null. */
    ConsoleFrontend console() {
        return console;
    }

    GuestEnvironment run() throws BootException {
        StartInfo si = StartInfo.read(memory, start.startInfoGpa());
        note("start_info: nr_pages " + si.nrPages() + ", shared_info frame " + si.sharedInfoGfn() + ", console frame "
                + si.consoleGfn() + " port " + si.consoleEvtchn() + ", store frame " + si.storeGfn() + " port "
                + si.storeEvtchn() + ", cmd_line '" + si.commandLine() + "'");
        checkHvmParams(si);
        mapSharedInfo(si);
        GuestGrantTable grants = setUpGrantTable(si);
        registerCallback();
        int vcpu = start.self().vcpu();
        UpcallDemultiplexer demux = new UpcallDemultiplexer(memory, si.sharedInfoGfn(), vcpu);
        enableUpcalls(si, vcpu);
        EventLoop events = new EventLoop(calls, demux);
        int consolePort = si.consoleEvtchn();
        // the console port's events only wake the vCPU: the frontend re-checks its rings after each wait
        events.bind(consolePort, port -> { });
        console = new ConsoleFrontend(memory.frame(si.consoleGfn()), () -> events.send(consolePort), events::pause,
                options.consoleStallTimeout().toNanos(), stats);
        GuestEnvironment env = new GuestEnvironment(si, memory, start.self().domid(), calls, events, grants, console,
                options, stats);
        for (String line : notes) {
            env.log(ConsoleVerbosity.VERBOSE, "boot: " + line);
        }
        connectXenbus(si, events, env);
        env.log(ConsoleVerbosity.NORMAL, "boot: " + si.commandLine().name() + " up (domain " + start.self().domid()
                + ", " + si.nrPages() + " pages, workload " + options.workload().name() + ")");
        return env;
    }

    /**
     * Connects xenstore and walks the echo device's handshake; without xenstore or without the device the
     * echo port stays the command line's.
     */
    private void connectXenbus(StartInfo si, EventLoop events, GuestEnvironment env) throws BootException {
        GuestXenbus xenbus = GuestXenbus.connect(si, memory, start.self().domid(), events, options);
        if (xenbus == null) {
            stats.xenstore(XenstoreStatus.UNAVAILABLE);
            env.log(ConsoleVerbosity.VERBOSE, "boot: xenstore: store port " + si.storeEvtchn() + " not bound within "
                    + options.xenstoreTimeout() + "; echo port from the command line");
            return;
        }
        stats.xenstore(XenstoreStatus.CONNECTED);
        env.log(ConsoleVerbosity.VERBOSE, "boot: xenstore: connected on port " + si.storeEvtchn() + ", home "
                + xenbus.home());
        int port = xenbus.connectEcho(calls, stats, options.connectTimeout());
        env.xenbus(xenbus, port);
        if (port > 0) {
            stats.echoViaXenbus(true);
            env.log(ConsoleVerbosity.VERBOSE, "boot: xenbus: " + xenbus.echoPath() + " connected, event-channel "
                    + port);
        } else {
            env.log(ConsoleVerbosity.VERBOSE, "boot: xenbus: no " + xenbus.echoPath() + "; echo port from the command line");
        }
    }

    private void checkHvmParams(StartInfo si) throws BootException {
        expectParam("HVM_PARAM_CONSOLE_PFN", HvmParam.CONSOLE_PFN, si.consoleGfn());
        expectParam("HVM_PARAM_CONSOLE_EVTCHN", HvmParam.CONSOLE_EVTCHN, si.consoleEvtchn());
        expectParam("HVM_PARAM_STORE_PFN", HvmParam.STORE_PFN, si.storeGfn());
        expectParam("HVM_PARAM_STORE_EVTCHN", HvmParam.STORE_EVTCHN, si.storeEvtchn());
        note("HVM params agree with start_info");
    }

    private void expectParam(String name, int index, long expected) throws BootException {
        GuestHypercalls.Result r = calls.hypercalls().getHvmParam(index);
        if (!r.ok()) {
            throw failed("HVMOP_get_param(" + name + ")", r.result());
        }
        // UNTRUSTED: the value came back through guest memory; only equality with start_info is accepted
        if (r.value() != expected) {
            throw new BootException(name + " is " + Long.toUnsignedString(r.value()) + " but start_info says " + expected);
        }
    }

    private void mapSharedInfo(StartInfo si) throws BootException {
        long rc = calls.hypercalls().addToPhysmap(PhysMapSpace.SHARED_INFO.code(), 0, si.sharedInfoGfn());
        if (rc != 0) {
            throw failed("XENMEM_add_to_physmap(shared_info, gpfn " + si.sharedInfoGfn() + ")", rc);
        }
        note("shared_info mapped at frame " + si.sharedInfoGfn());
    }

    private GuestGrantTable setUpGrantTable(StartInfo si) throws BootException {
        long[] size = calls.querySize();
        if (size[0] != 0 || size[1] != 0) {
            throw size[0] != 0 ? failed("GNTTABOP_query_size", size[0])
                    : new BootException("GNTTABOP_query_size: status " + size[1]);
        }
        // UNTRUSTED: nr_frames and max_nr_frames bound how many frames are asked for and accepted
        long max = size[3];
        if (max < 1) {
            throw new BootException("GNTTABOP_query_size: max_nr_frames is " + max);
        }
        int nr = (int) Math.min(Math.min(Math.max(1, size[2]), max), MAX_GRANT_FRAMES);
        long[] frames = new long[nr];
        long status = calls.hypercalls().setupTable(frames);
        if (status != 0) {
            throw status < 0 ? failed("GNTTABOP_setup_table(" + nr + " frames)", status)
                    : new BootException("GNTTABOP_setup_table(" + nr + " frames): status " + status);
        }
        checkGrantFrames(si, frames);
        for (int i = 0; i < nr; i++) {
            long rc = calls.hypercalls().addToPhysmap(PhysMapSpace.GRANT_TABLE.code(), i, frames[i]);
            if (rc != 0) {
                throw failed("XENMEM_add_to_physmap(grant_table, idx " + i + ", gpfn " + frames[i] + ")", rc);
            }
        }
        GuestGrantTable table = new GuestGrantTable(memory, frames);
        note("grant table: " + nr + " frame(s) " + Arrays.toString(frames) + ", " + table.freeRefs() + " free refs");
        GrantEntrySnapshot consoleGrant = table.query(GrantRefs.RESERVED_CONSOLE);
        if (consoleGrant.domid() != 0 || consoleGrant.frame() != si.consoleGfn()
                || (consoleGrant.flags() & GrantFlags.PERMIT_ACCESS) == 0) {
            note("warning: reserved grant " + GrantRefs.RESERVED_CONSOLE + " does not grant the console frame to domain 0: "
                    + consoleGrant);
        }
        return table;
    }

    private void checkGrantFrames(StartInfo si, long[] frames) throws BootException {
        long total = memory.frames();
        for (int i = 0; i < frames.length; i++) {
            long f = frames[i];
            // UNTRUSTED: frame numbers written by the hypervisor into the scratch area
            if (f < si.nrPages() || f >= total) {
                throw new BootException("GNTTABOP_setup_table: frame " + i + " is " + Long.toUnsignedString(f)
                        + ", outside the special frames [" + si.nrPages() + ", " + total + ")");
            }
            if (f == si.sharedInfoGfn() || f == si.consoleGfn() || f == si.storeGfn()
                    || f == GuestMemory.gfnOf(si.gpa())) {
                throw new BootException("GNTTABOP_setup_table: frame " + f + " is another special page");
            }
            for (int j = 0; j < i; j++) {
                if (frames[j] == f) {
                    throw new BootException("GNTTABOP_setup_table: frame " + f + " listed twice");
                }
            }
        }
    }

    private void registerCallback() throws BootException {
        long value = ((long) HvmParam.CALLBACK_TYPE_VECTOR << HvmParam.CALLBACK_TYPE_SHIFT) | CALLBACK_VECTOR;
        long rc = calls.setHvmParam(HvmParam.CALLBACK_IRQ, value);
        if (rc != 0) {
            throw failed("HVMOP_set_param(HVM_PARAM_CALLBACK_IRQ)", rc);
        }
        note("callback: vector 0x" + Integer.toHexString(CALLBACK_VECTOR));
    }

    private void enableUpcalls(StartInfo si, int vcpu) {
        // Linux's xen_irq_enable: clear evtchn_upcall_mask of this vCPU's vcpu_info
        long maskGpa = GuestMemory.gpaOf(si.sharedInfoGfn()) + SharedInfoLayout.VCPU_INFO_OFFSET
                + vcpu * VcpuInfoLayout.SIZE + VcpuInfoLayout.UPCALL_MASK_OFFSET;
        memory.getAndBitwiseAndByte(maskGpa, 0);
    }

    private static BootException failed(String what, long rc) {
        return new BootException(what + " failed: " + XenErrno.describe(rc), new HypercallException(what, rc));
    }

    private void note(String line) {
        notes.add(line);
    }
}
