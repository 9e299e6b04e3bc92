package io.pvkit.hypervisor;

import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.HvmParam;
import io.pvkit.abi.platform.PhysMapSpace;
import io.pvkit.abi.platform.SchedOp;
import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.abi.platform.StartInfoLayout;
import io.pvkit.abi.spi.VcpuStart;
import io.pvkit.events.UpcallDemultiplexer;
import io.pvkit.rings.ByteStreamLayout;
import io.pvkit.rings.ByteStreamReader;
import io.pvkit.rings.ByteStreamWriter;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small in-test Java guest kernel: boots from start_info the way the contract describes (HVM params,
 * shared_info through add_to_physmap, an UpcallDemultiplexer, the console ring, the echo port) using only
 * pv-abi's GuestHypercalls and the library modules. Never the reference guest. Public for the test packages
 * below this one ({@code fault}).
 */
@SuppressWarnings("exports") // test code: the library types are visible to the test packages of this module
public final class MiniGuest {
    public final VcpuStart start;
    public final GuestHypercalls hc;
    public final GuestMemory memory;
    public final long nrPages;
    public final long sharedInfoGfn;
    public final long consoleGfn;
    public final int consolePort;
    public final int echoPort;
    public final Map<String, String> cmdline = new HashMap<>();
    public final UpcallDemultiplexer demux;
    public final ByteStreamWriter consoleOut;
    public final ByteStreamReader consoleIn;
    public final AtomicLong echoes = new AtomicLong();

    private MiniGuest(VcpuStart start) {
        this.start = start;
        this.memory = start.self().memory();
        long si = start.startInfoGpa();
        this.nrPages = memory.getLong(si + StartInfoLayout.NR_PAGES_OFFSET);
        this.hc = new GuestHypercalls(start.hypervisor(), start.self(), 0, GuestMemory.PAGE_SIZE);
        this.sharedInfoGfn = GuestMemory.gfnOf(memory.getLong(si + StartInfoLayout.SHARED_INFO_OFFSET));
        check(hc.addToPhysmap(PhysMapSpace.SHARED_INFO.code(), 0, sharedInfoGfn), "add_to_physmap(shared_info)");
        GuestHypercalls.Result pfn = hc.getHvmParam(HvmParam.CONSOLE_PFN);
        GuestHypercalls.Result evtchn = hc.getHvmParam(HvmParam.CONSOLE_EVTCHN);
        check(pfn.result(), "get CONSOLE_PFN");
        check(evtchn.result(), "get CONSOLE_EVTCHN");
        this.consoleGfn = pfn.value();
        this.consolePort = (int) evtchn.value();
        byte[] cmd = new byte[StartInfoLayout.MAX_GUEST_CMDLINE];
        memory.read(si + StartInfoLayout.CMD_LINE_OFFSET, cmd, 0, cmd.length);
        int len = 0;
        while (len < cmd.length && cmd[len] != 0) {
            len++;
        }
        for (String word : new String(cmd, 0, len, StandardCharsets.US_ASCII).split(" ")) {
            int eq = word.indexOf('=');
            if (eq > 0) {
                cmdline.put(word.substring(0, eq), word.substring(eq + 1));
            }
        }
        this.echoPort = Integer.parseInt(cmdline.get("pvkit.echo"));
        this.demux = new UpcallDemultiplexer(memory, sharedInfoGfn, start.self().vcpu());
        demux.register(consolePort, p -> { });
        demux.unmask(consolePort);
        demux.register(echoPort, p -> echoes.incrementAndGet());
        demux.unmask(echoPort);
        GuestMemory page = GuestMemory.wrap(memory.frame(consoleGfn));
        this.consoleOut = ByteStreamWriter.attach(page, ByteStreamLayout.CONSOLE_OUT);
        this.consoleIn = ByteStreamReader.attach(page, ByteStreamLayout.CONSOLE_IN);
    }

    public static MiniGuest boot(VcpuStart start) {
        return new MiniGuest(start);
    }

    static void check(long rc, String what) {
        if (rc < 0) {
            throw new IllegalStateException(what + " failed: " + io.pvkit.abi.XenErrno.describe(rc));
        }
    }

    /** Writes to the console ring, waiting for space (dom0 notifies after draining). */
    public void print(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        MemorySegment src = MemorySegment.ofArray(bytes);
        int done = 0;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (done < bytes.length) {
            int n = consoleOut.write(src, done, bytes.length - done);
            done += n;
            check(hc.send(consolePort), "notify console");
            if (done < bytes.length) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("console ring stayed full");
                }
                waitForEvents();
            }
        }
    }

    public void println(String line) {
        print(line + "\n");
    }

    /** SCHEDOP_block, then dispatch. */
    public void waitForEvents() {
        check(hc.call(HypercallOp.SCHED_OP, SchedOp.BLOCK.code(), 0), "block");
        demux.handleUpcall();
    }

    /** One echo round trip: send, then wait for the answer. */
    public void ping() {
        long want = echoes.get() + 1;
        check(hc.send(echoPort), "send echo");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (echoes.get() < want) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no echo");
            }
            waitForEvents();
        }
    }

    /** Reads console input that is there now. */
    public String readInput() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MemorySegment buf = MemorySegment.ofArray(new byte[1024]);
        int n;
        while ((n = consoleIn.read(buf, 0, 1024)) > 0) {
            out.write(buf.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), 0, n);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    public void shutdown(ShutdownReason reason) {
        check(hc.shutdown(reason), "shutdown");
    }
}
