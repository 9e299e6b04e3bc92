package io.pvkit.process;

import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.SchedOp;
import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.process.internal.Native;
import io.pvkit.process.internal.SysConstants;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The child process of the tests (a main class, run by {@link Children}). Modes:
 * <ul>
 * <li>{@code attack SOCKET}: connects, receives the memory fd and its frame count, maps it (checking the
 *     seals), tries to shrink, grow and re-seal it, writes a marker, and reports the errnos on the socket.</li>
 * <li>{@code attack-unsealed SOCKET}: the same on an unsealed fd, without the seal check (negative control).</li>
 * </ul>
 */
public final class ProcessPeer {
    /** Where the child writes its marker. */
    static final long MARKER_GPA = 0x1008;
    /** The marker. */
    static final long MARKER = 0x0DDC0FFEE0DDF00DL;

    private ProcessPeer() {
    }

    /**
     * Entry point.
     *
     * @param args the mode and its arguments
     * @throws Exception on failure (exit status 1 with a stack trace)
     */
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "attack" -> attack(Path.of(args[1]), true);
            case "attack-unsealed" -> attack(Path.of(args[1]), false);
            case "guest" -> guest(Path.of(args[1]), Long.parseLong(args[2]));
            case "block" -> block(Path.of(args[1]));
            case "spin" -> spin(Path.of(args[1]));
            case "hypervisor" -> hypervisor(Path.of(args[1]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static GuestHypercalls hypercalls(GuestConnection c) {
        return new GuestHypercalls(c.hypercalls(), c.context(0), GuestMemory.gpaOf(c.memory().frames() - 1),
                GuestMemory.PAGE_SIZE);
    }

    private static void guest(Path socket, long count) {
        try (GuestConnection c = GuestConnection.connect(socket, new GuestRequest(1, 64, "peer-guest"))) {
            GuestHypercalls xen = hypercalls(c);
            check(xen.consoleWrite(("hello from pid " + ProcessHandle.current().pid() + "\n")
                    .getBytes(StandardCharsets.UTF_8)) == 0, "console");
            long t0 = System.nanoTime();
            for (long i = 0; i < count; i++) {
                check(xen.xenVersion() == (4L << 16 | 14), "xen_version");
            }
            long t1 = System.nanoTime();
            check(xen.shutdown(ShutdownReason.POWEROFF) == 0, "shutdown");
            check(c.hypercalls().hypercall(c.context(0), 1L << 32, 0, 0, 0, 0, 0) == -38, "unknown op");
            System.out.println("done domid=" + c.domid() + " calls=" + count + " nanos=" + (t1 - t0));
        }
    }

    private static void block(Path socket) {
        GuestConnection c = GuestConnection.connect(socket, new GuestRequest(1, 16, "peer-block"));
        System.out.println("ready");
        System.out.flush();
        hypercalls(c).call(HypercallOp.SCHED_OP, SchedOp.BLOCK.code(), 0);
        System.out.println("unblocked");
    }

    private static void spin(Path socket) {
        GuestConnection c = GuestConnection.connect(socket, new GuestRequest(1, 16, "peer-spin"));
        GuestHypercalls xen = hypercalls(c);
        while (xen.xenVersion() >= 0) {
            Thread.onSpinWait();
        }
    }

    /** A hypervisor process (the TestHost) that serves until it is killed. */
    private static void hypervisor(Path socket) throws InterruptedException {
        GuestListener listener = GuestListener.open(socket, new TestHost());
        System.out.println("listening " + listener);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what + " failed");
        }
    }

    private static void attack(Path socket, boolean sealed) {
        try (UnixSocket s = UnixSocket.connect(socket)) {
            byte[] hdr = new byte[8];
            int[] fds = s.receiveFully(hdr, 1);
            long frames = ByteBuffer.wrap(hdr).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            int fd = fds[0];
            long size = frames * 4096;
            int shrinkZero = Native.ftruncate(fd, 0);
            String report;
            if (sealed) {
                int shrinkHalf = Native.ftruncate(fd, size / 2);
                int grow = Native.ftruncate(fd, size * 2);
                int addSeal = Native.fcntl(fd, SysConstants.F_ADD_SEALS, SysConstants.F_SEAL_WRITE);
                try (SealedGuestMemory mem = SealedGuestMemory.map(fd, frames)) {
                    mem.memory().setLongRelease(MARKER_GPA, MARKER);
                    report = "shrink0=" + shrinkZero + " shrinkHalf=" + shrinkHalf + " grow=" + grow
                            + " addSeal=" + addSeal + " size=" + Native.size(fd) + " seals=" + mem.seals();
                }
            } else {
                report = "shrink0=" + shrinkZero + " size=" + Native.size(fd);
                Native.close(fd);
            }
            s.send((report + "\n").getBytes(StandardCharsets.UTF_8));
            s.receive(new byte[1], 0);   // wait for the parent to finish before exiting
        }
    }
}
