package io.pvkit.process;

import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.spi.GuestEntryPoint;
import io.pvkit.abi.spi.IdleStrategy;
import io.pvkit.abi.spi.VcpuStart;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * A guest process's side of a session: connects to a {@link GuestListener}, sends the hello, receives the
 * welcome with the two descriptors, maps the guest memory and the mailbox page (both checked for the seals and
 * their announced sizes), and offers the hypervisor as a {@link MailboxHypercalls} handler.
 *
 * {@snippet :
 * try (GuestConnection c = GuestConnection.connect(Path.of("/run/pvkit/guests.sock"),
 *         new GuestRequest(1, 1024, "guest-a"))) {
 *     guestEntryPoint.enter(c.vcpuStart(0));   // the guest's hypercalls go through the mailbox
 * }
 * }
 *
 * <p>A monitor thread waits for end of stream on the socket; when the hypervisor process dies or ends the
 * session it sets {@code GONE_HYPERVISOR} in the mailboxes, so every waiting or later hypercall returns
 * {@code -ENODEV} instead of spinning forever.
 */
public final class GuestConnection implements AutoCloseable {
    private final UnixSocket socket;
    private final int domid;
    private final int vcpus;
    private final long startInfoGpa;
    private final SealedGuestMemory memory;
    private final SealedGuestMemory mailbox;
    private final MailboxHypercalls hypercalls;
    private final Thread monitor;

    private GuestConnection(UnixSocket socket, int domid, int vcpus, long startInfoGpa, SealedGuestMemory memory,
                            SealedGuestMemory mailbox, MailboxHypercalls hypercalls) {
        this.socket = socket;
        this.domid = domid;
        this.vcpus = vcpus;
        this.startInfoGpa = startInfoGpa;
        this.memory = memory;
        this.mailbox = mailbox;
        this.hypercalls = hypercalls;
        this.monitor = Thread.ofPlatform().daemon().name("pvkit-guest-session").start(this::monitor);
    }

    /**
     * Joins the hypervisor listening on {@code socket}, with the default idle strategy.
     *
     * @param socket the listener's socket path
     * @param request what to ask for
     * @return the connection
     * @throws IllegalStateException when the hypervisor refuses (its status in the message) or breaks the
     *     protocol
     * @throws NativeException when the socket cannot be connected
     */
    public static GuestConnection connect(Path socket, GuestRequest request) {
        return connect(socket, request, MailboxHypercalls::defaultIdle);
    }

    /**
     * Joins the hypervisor listening on {@code socket}.
     *
     * @param socket the listener's socket path
     * @param request what to ask for
     * @param idle makes the idle strategy of each vCPU's mailbox waits
     * @return the connection
     */
    public static GuestConnection connect(Path socket, GuestRequest request, Supplier<IdleStrategy> idle) {
        UnixSocket s = UnixSocket.connect(socket);
        int[] fds = new int[0];
        try {
            s.send(hello(request));
            byte[] w = new byte[(int) SessionWelcomeLayout.SIZE];
            fds = s.receiveFully(w, 2);
            MemorySegment m = MemorySegment.ofArray(w);
            int magic = m.get(ValueLayout.JAVA_INT_UNALIGNED, SessionWelcomeLayout.MAGIC_OFFSET);
            int status = m.get(ValueLayout.JAVA_INT_UNALIGNED, SessionWelcomeLayout.STATUS_OFFSET);
            if (magic != SessionWelcomeLayout.MAGIC) {
                throw new IllegalStateException("not a pvkit hypervisor (welcome magic 0x" + Integer.toHexString(magic) + ")");
            }
            if (status != 0) {
                throw new IllegalStateException("hypervisor refused the guest: status " + status);
            }
            if (fds.length != 2) {
                throw new IllegalStateException("welcome carried " + fds.length + " descriptors, expected 2");
            }
            int domid = m.get(ValueLayout.JAVA_INT_UNALIGNED, SessionWelcomeLayout.DOMID_OFFSET);
            int vcpus = MailboxLayout.checkVcpus(m.get(ValueLayout.JAVA_INT_UNALIGNED, SessionWelcomeLayout.VCPUS_OFFSET));
            long frames = m.get(ValueLayout.JAVA_LONG_UNALIGNED, SessionWelcomeLayout.FRAMES_OFFSET);
            long startInfo = m.get(ValueLayout.JAVA_LONG_UNALIGNED, SessionWelcomeLayout.START_INFO_GPA_OFFSET);
            long mailboxBytes = m.get(ValueLayout.JAVA_LONG_UNALIGNED, SessionWelcomeLayout.MAILBOX_BYTES_OFFSET);
            if (mailboxBytes != MailboxLayout.PAGE_BYTES) {
                throw new IllegalStateException("mailbox of " + mailboxBytes + " bytes");
            }
            int memFd = fds[0];
            int mbFd = fds[1];
            fds = new int[0];
            SealedGuestMemory mem;
            try {
                mem = SealedGuestMemory.map(memFd, frames);
            } catch (RuntimeException e) {
                UnixSocket.closeDescriptor(mbFd);
                throw e;
            }
            SealedGuestMemory mb;
            try {
                mb = SealedGuestMemory.map(mbFd, 1);
            } catch (RuntimeException e) {
                mem.close();
                throw e;
            }
            try {
                return new GuestConnection(s, domid, vcpus, startInfo, mem, mb,
                        new MailboxHypercalls(mb.memory(), vcpus, idle));
            } catch (RuntimeException e) {
                mem.close();
                mb.close();
                throw e;
            }
        } catch (RuntimeException e) {
            for (int fd : fds) {
                UnixSocket.closeDescriptor(fd);
            }
            s.close();
            throw e;
        }
    }

    private static byte[] hello(GuestRequest r) {
        byte[] h = new byte[(int) SessionHelloLayout.SIZE];
        MemorySegment s = MemorySegment.ofArray(h);
        s.set(ValueLayout.JAVA_INT_UNALIGNED, SessionHelloLayout.MAGIC_OFFSET, SessionHelloLayout.MAGIC);
        s.set(ValueLayout.JAVA_INT_UNALIGNED, SessionHelloLayout.VERSION_OFFSET, MailboxLayout.VERSION);
        s.set(ValueLayout.JAVA_INT_UNALIGNED, SessionHelloLayout.VCPUS_OFFSET, r.vcpus());
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, SessionHelloLayout.FRAMES_OFFSET, r.frames());
        byte[] name = r.name().getBytes(StandardCharsets.UTF_8);
        System.arraycopy(name, 0, h, (int) SessionHelloLayout.NAME_OFFSET, Math.min(name.length, SessionHelloLayout.NAME_BYTES));
        return h;
    }

    private void monitor() {
        try {
            while (!socket.receive(new byte[64], 0).endOfStream()) {
                // the hypervisor sends nothing after the welcome
            }
        } catch (RuntimeException e) {
            // treated as end of session
        }
        try {
            hypercalls.markHypervisorGone();
        } catch (IllegalStateException closed) {
            // this side closed first
        }
    }

    /**
     * The domain id the hypervisor gave this guest.
     *
     * @return the id
     */
    public int domid() {
        return domid;
    }

    /**
     * The vCPUs granted.
     *
     * @return the count
     */
    public int vcpus() {
        return vcpus;
    }

    /**
     * Where the hypervisor wrote the start info, or 0.
     *
     * @return a guest-physical address
     */
    public long startInfoGpa() {
        return startInfoGpa;
    }

    /**
     * The guest's memory, shared with the hypervisor.
     *
     * @return the memory
     */
    public GuestMemory memory() {
        return memory.memory();
    }

    /**
     * The hypervisor, reached through the mailboxes.
     *
     * @return the handler
     */
    public MailboxHypercalls hypercalls() {
        return hypercalls;
    }

    /**
     * The caller context of one vCPU (unprivileged; the hypervisor uses its own copy).
     *
     * @param vcpu the vCPU index
     * @return the context
     */
    public HypercallContext context(int vcpu) {
        if (vcpu < 0 || vcpu >= vcpus) {
            throw new IllegalArgumentException("no vCPU " + vcpu);
        }
        return HypercallContext.of(domid, vcpu, false, memory.memory());
    }

    /**
     * What a Java guest's {@code GuestEntryPoint.enter} needs for one vCPU: the mailbox handler, the vCPU's
     * context and the start info address.
     *
     * @param vcpu the vCPU index
     * @return the start state
     */
    public VcpuStart vcpuStart(int vcpu) {
        return new VcpuStart(hypercalls, context(vcpu), startInfoGpa);
    }

    /**
     * Runs a Java guest: {@code entry.enter(vcpuStart(v))} on one platform thread per vCPU (named
     * {@code pvkit-vcpu-D.V}), and waits until all have returned.
     *
     * @param entry the guest's entry point
     * @throws Exception the first exception a vCPU threw (the others are added as suppressed)
     */
    public void run(GuestEntryPoint entry) throws Exception {
        Thread[] threads = new Thread[vcpus];
        Exception[] failures = new Exception[vcpus];
        for (int v = 0; v < vcpus; v++) {
            int vcpu = v;
            threads[v] = Thread.ofPlatform().name("pvkit-vcpu-" + domid + "." + v).start(() -> {
                try {
                    entry.enter(vcpuStart(vcpu));
                } catch (Exception e) {
                    failures[vcpu] = e;
                }
            });
        }
        Exception first = null;
        for (int v = 0; v < vcpus; v++) {
            threads[v].join();
            if (failures[v] != null) {
                if (first == null) {
                    first = failures[v];
                } else {
                    first.addSuppressed(failures[v]);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * Whether the hypervisor ended the session or died.
     *
     * @return true when gone
     */
    public boolean hypervisorGone() {
        return hypercalls.hypervisorGone();
    }

    /**
     * Leaves: marks {@code GONE_GUEST}, closes the socket (the hypervisor sees end of stream and destroys the
     * domain), unmaps both memories. No vCPU thread may still use them.
     */
    @Override
    public void close() {
        try {
            hypercalls.markGuestGone();
        } catch (IllegalStateException closed) {
            // already unmapped
        }
        socket.shutdown();
        try {
            monitor.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        socket.close();
        mailbox.close();
        memory.close();
    }
}
