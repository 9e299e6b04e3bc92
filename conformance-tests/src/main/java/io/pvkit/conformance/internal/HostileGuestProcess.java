package io.pvkit.conformance.internal;

import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.evtchn.VcpuInfoLayout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.SchedOp;
import io.pvkit.abi.platform.StartInfoLayout;
import io.pvkit.process.MailboxLayout;
import io.pvkit.process.SessionHelloLayout;
import io.pvkit.process.SessionWelcomeLayout;
import io.pvkit.process.UnixSocket;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The kit's hostile guest process for DOM-03 and DOM-04: a separate JVM (started by
 * {@code GuestProcessDeathVerification}) that joins a hypervisor through pv-process's documented ABI only (the
 * session wire format: {@code pvkit_hello} / {@code pvkit_welcome} and the two sealed descriptors; the mailbox
 * page through {@link MailboxLayout}), not through pv-process's guest implementation. It writes its vCPU 0
 * mailbox raw and answers line commands on stdin, one line of output each:
 *
 * <ul>
 *   <li>{@code call}: {@code xen_version(XENVER_version)} round trip: {@code result <r>} ({@code timeout} after 5 s);</li>
 *   <li>{@code block}: clears its pending upcall, publishes {@code SCHEDOP_block} and reports the mailbox state
 *       500 ms later: {@code state <s>} (1 REQUEST: the hypercall is still in progress);</li>
 *   <li>{@code publish}: publishes {@code xen_version} and returns at once: {@code published <seq>};</li>
 *   <li>{@code closesocket}: closes its session socket and keeps running: {@code closed};</li>
 *   <li>{@code watch <ms>}: {@code state <s> rsp_seq <n> result <r> gone <g>} after {@code ms} milliseconds;</li>
 *   <li>{@code exit}.</li>
 * </ul>
 *
 * <p>Its first line is {@code welcome <domid>} or {@code refused <reason>}.
 */
public final class HostileGuestProcess {
    private static final long XENVER_VERSION = 0;

    private final UnixSocket socket;
    private final GuestMemory memory;
    private final GuestMemory mailbox;
    private final long startInfo;
    private int seq;

    private HostileGuestProcess(UnixSocket socket, GuestMemory memory, GuestMemory mailbox, long startInfo) {
        this.socket = socket;
        this.memory = memory;
        this.mailbox = mailbox;
        this.startInfo = startInfo;
    }

    /**
     * Runs the hostile guest.
     *
     * @param args the hypervisor's socket path, the frames to ask for, the guest's name
     * @throws IOException when stdin fails
     */
    public static void main(String[] args) throws IOException {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        HostileGuestProcess g;
        try {
            g = join(Path.of(args[0]), Long.parseLong(args[1]), args[2]);
        } catch (RuntimeException | IOException e) {
            out.println("refused " + e);
            return;
        }
        out.println("welcome " + g.mailbox.getInt(MailboxLayout.DOMID_OFFSET));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String[] w = line.trim().split(" ");
            switch (w[0]) {
                case "call" -> out.println(g.call());
                case "block" -> out.println(g.block());
                case "publish" -> out.println("published " + g.publish(HypercallOp.XEN_VERSION.number(), XENVER_VERSION));
                case "closesocket" -> {
                    g.socket.close();
                    out.println("closed");
                }
                case "watch" -> {
                    pause(Long.parseLong(w[1]));
                    out.println(g.watch());
                }
                case "exit" -> {
                    return;
                }
                default -> out.println("unknown " + line);
            }
        }
    }

    private static HostileGuestProcess join(Path path, long frames, String name) throws IOException {
        UnixSocket s = UnixSocket.connect(path);
        byte[] hello = new byte[(int) SessionHelloLayout.SIZE];
        MemorySegment h = MemorySegment.ofArray(hello);
        h.set(ValueLayout.JAVA_INT_UNALIGNED, SessionHelloLayout.MAGIC_OFFSET, SessionHelloLayout.MAGIC);
        h.set(ValueLayout.JAVA_INT_UNALIGNED, SessionHelloLayout.VERSION_OFFSET, MailboxLayout.VERSION);
        h.set(ValueLayout.JAVA_INT_UNALIGNED, SessionHelloLayout.VCPUS_OFFSET, 1);
        h.set(ValueLayout.JAVA_LONG_UNALIGNED, SessionHelloLayout.FRAMES_OFFSET, frames);
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        MemorySegment.copy(n, 0, h, ValueLayout.JAVA_BYTE, SessionHelloLayout.NAME_OFFSET,
                Math.min(n.length, SessionHelloLayout.NAME_BYTES - 1));
        s.send(hello);
        byte[] welcome = new byte[(int) SessionWelcomeLayout.SIZE];
        int[] fds = s.receiveFully(welcome, 2);
        MemorySegment w = MemorySegment.ofArray(welcome);
        int status = w.get(ValueLayout.JAVA_INT_UNALIGNED, SessionWelcomeLayout.STATUS_OFFSET);
        if (w.get(ValueLayout.JAVA_INT_UNALIGNED, SessionWelcomeLayout.MAGIC_OFFSET) != SessionWelcomeLayout.MAGIC
                || status != 0 || fds.length != 2) {
            throw new IllegalStateException("welcome status " + status + " with " + fds.length + " descriptors");
        }
        long memFrames = w.get(ValueLayout.JAVA_LONG_UNALIGNED, SessionWelcomeLayout.FRAMES_OFFSET);
        long startInfo = w.get(ValueLayout.JAVA_LONG_UNALIGNED, SessionWelcomeLayout.START_INFO_GPA_OFFSET);
        GuestMemory memory = map(fds[0], memFrames * GuestMemory.PAGE_SIZE);
        GuestMemory mailbox = map(fds[1], MailboxLayout.PAGE_BYTES);
        return new HostileGuestProcess(s, memory, mailbox, startInfo);
    }

    /** Maps a received descriptor shared and writable, through its /proc/self/fd link (a memfd can be reopened). */
    private static GuestMemory map(int fd, long bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(Path.of("/proc/self/fd/" + fd), StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            return GuestMemory.wrap(ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes, Arena.global()));
        } finally {
            UnixSocket.closeDescriptor(fd);
        }
    }

    private static long box(long field) {
        return MailboxLayout.mailboxOffset(0) + field;
    }

    /** Publishes one hypercall in vCPU 0's mailbox (op, args, seq, then state = REQUEST with release). */
    private int publish(long op, long... args) {
        seq++;
        mailbox.setLong(box(MailboxLayout.OP_OFFSET), op);
        for (int i = 0; i < 5; i++) {
            mailbox.setLong(box(MailboxLayout.ARGS_OFFSET) + 8L * i, i < args.length ? args[i] : 0);
        }
        mailbox.setInt(box(MailboxLayout.SEQ_OFFSET), seq);
        mailbox.setIntRelease(box(MailboxLayout.STATE_OFFSET), MailboxLayout.STATE_REQUEST);
        return seq;
    }

    private String call() {
        int s = publish(HypercallOp.XEN_VERSION.number(), XENVER_VERSION);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (mailbox.getIntVolatile(box(MailboxLayout.STATE_OFFSET)) == MailboxLayout.STATE_RESPONSE) {
                long r = mailbox.getLong(box(MailboxLayout.RESULT_OFFSET));
                int answered = mailbox.getInt(box(MailboxLayout.RSP_SEQ_OFFSET));
                mailbox.setIntRelease(box(MailboxLayout.STATE_OFFSET), MailboxLayout.STATE_IDLE);
                return answered == s ? "result " + r : "result wrong-seq " + answered;
            }
            Thread.onSpinWait();
        }
        return "timeout";
    }

    private String block() {
        long sharedInfo = memory.getLong(startInfo + StartInfoLayout.SHARED_INFO_OFFSET);
        long vcpu0 = sharedInfo + SharedInfoLayout.VCPU_INFO_OFFSET;
        if (memory.contains(vcpu0, 64)) {
            memory.setByte(vcpu0 + VcpuInfoLayout.UPCALL_PENDING_OFFSET, (byte) 0);
        }
        mailbox.setIntRelease(box(MailboxLayout.UPCALL_PENDING_OFFSET), 0);
        publish(HypercallOp.SCHED_OP.number(), SchedOp.BLOCK.code());
        pause(500);
        return "state " + mailbox.getIntVolatile(box(MailboxLayout.STATE_OFFSET));
    }

    private String watch() {
        return "state " + mailbox.getIntVolatile(box(MailboxLayout.STATE_OFFSET))
                + " rsp_seq " + mailbox.getInt(box(MailboxLayout.RSP_SEQ_OFFSET))
                + " result " + mailbox.getLong(box(MailboxLayout.RESULT_OFFSET))
                + " gone " + mailbox.getIntVolatile(box(MailboxLayout.GONE_OFFSET)) + " seq " + seq;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
