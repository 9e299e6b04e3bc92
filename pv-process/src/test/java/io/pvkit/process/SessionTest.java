package io.pvkit.process;

import io.pvkit.abi.XenErrno;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.memory.GuestMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SessionTest {
    @TempDir
    Path dir;

    /** A guest in a child JVM joins, writes to the console, makes 20000 hypercalls and shuts down; then exits. */
    @Test
    void shouldServeAGuestInAnotherProcessThroughItsMailbox() throws Exception {
        TestHost host = new TestHost();
        Path sock = dir.resolve("hv");
        int count = 20_000;
        try (GuestListener listener = GuestListener.open(sock, host)) {
            Process child = Children.start("guest", sock.toString(), Integer.toString(count));
            String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(child.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(child.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, child.exitValue(), out + err);
            GuestSession session = host.gone.poll(10, TimeUnit.SECONDS);
            assertNotNull(session, "the guest's exit ended its session");
            assertEquals(session, listener.sessions().getFirst());
            assertTrue(session.awaitEnd(Duration.ofSeconds(10)));
            long served = session.served();
            assertEquals(count + 3L, served, "console + versions + shutdown + unknown op");
            assertEquals(1, session.server(0).rejected(), "the op above u32 was refused before the handler");
            assertEquals(0, session.server(0).escapes());
            assertTrue(host.console.toString().startsWith("hello from pid " + child.pid()), host.console.toString());
            assertEquals(0, host.shutdownReason.get(session.domid()), "SHUTDOWN_poweroff");
            assertThrows(IllegalStateException.class, () -> session.memory().getInt(0), "memory unmapped at the end");
            String line = out.lines().filter(l -> l.startsWith("done")).findFirst().orElseThrow();
            long nanos = Long.parseLong(line.substring(line.indexOf("nanos=") + 6).trim());
            System.out.printf("[pv-process] child JVM guest (pid %d): %d hypercalls served through the mailbox, "
                            + "%d xen_version round trips in %.1f ms = %.2f us each (%s)%n", child.pid(), served, count,
                    nanos / 1e6, nanos / 1e3 / count, session.endReason());
        }
    }

    /** The handshake's numbers and descriptors, and the hypervisor ending a session under a waiting guest. */
    @Test
    void shouldHandShakeAndLetTheHypervisorEndTheSession() throws Exception {
        TestHost host = new TestHost();
        Path sock = dir.resolve("hv2");
        try (GuestListener listener = GuestListener.open(sock, host);
             GuestConnection guest = GuestConnection.connect(sock, new GuestRequest(3, 32, "in-process"))) {
            assertEquals(1, guest.domid());
            assertEquals(3, guest.vcpus());
            assertEquals(32, guest.memory().frames());
            GuestSession session = listener.sessions().getFirst();
            session.memory().setLongRelease(0x5000, 0x1234);
            assertEquals(0x1234, guest.memory().getLongAcquire(0x5000), "one memory, two mappings");
            GuestHypercalls xen = new GuestHypercalls(guest.hypercalls(), guest.context(2), GuestMemory.gpaOf(31), 4096);
            assertEquals(TestHost.VERSION, xen.xenVersion());
            assertEquals(1, session.server(2).served());
            session.kick(2);
            assertTrue(guest.hypercalls().awaitUpcall(2, 5_000_000_000L));
            session.close();
            assertTrue(session.awaitEnd(Duration.ofSeconds(5)));
            assertEquals(XenErrno.ENODEV.negated(), xen.xenVersion(), "hypervisor gone");
            assertTrue(guest.hypervisorGone());
            assertTrue(host.gone.isEmpty(), "no guestGone for a session the hypervisor closed");
        }
    }

    /** An unchanged GuestEntryPoint runs on every vCPU with the mailbox as its hypervisor. */
    @Test
    void shouldRunAGuestEntryPointOnEveryVcpu() throws Exception {
        TestHost host = new TestHost();
        Path sock = dir.resolve("hv5");
        try (GuestListener listener = GuestListener.open(sock, host);
             GuestConnection guest = GuestConnection.connect(sock, new GuestRequest(4, 16, "entry"))) {
            guest.run(start -> {
                GuestHypercalls xen = new GuestHypercalls(start.hypervisor(), start.self(),
                        GuestMemory.gpaOf(8 + start.self().vcpu()), 4096);
                for (int i = 0; i < 100; i++) {
                    if (xen.xenVersion() != TestHost.VERSION) {
                        throw new IllegalStateException("vcpu " + start.self().vcpu());
                    }
                }
                xen.consoleWrite(("v" + start.self().vcpu()).getBytes(StandardCharsets.UTF_8));
            });
            GuestSession session = listener.sessions().getFirst();
            for (int v = 0; v < 4; v++) {
                assertEquals(101, session.server(v).served(), "vcpu " + v);
            }
            assertEquals(8, host.console.length());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> guest.run(start -> {
                throw new IllegalStateException("crash on " + start.self().vcpu());
            }));
            assertEquals(3, e.getSuppressed().length);
        }
    }

    /** Bad hellos are refused with -EINVAL and no descriptors; the listener keeps serving. */
    @Test
    void shouldRefuseABadHello() throws Exception {
        TestHost host = new TestHost();
        Path sock = dir.resolve("hv3");
        try (GuestListener listener = GuestListener.open(sock, host)) {
            for (int vcpus : new int[] {0, 32, -1}) {
                byte[] hello = new byte[64];
                MemorySegment h = MemorySegment.ofArray(hello);
                h.set(ValueLayout.JAVA_INT_UNALIGNED, 0, SessionHelloLayout.MAGIC);
                h.set(ValueLayout.JAVA_INT_UNALIGNED, 4, 1);
                h.set(ValueLayout.JAVA_INT_UNALIGNED, 8, vcpus);
                h.set(ValueLayout.JAVA_LONG_UNALIGNED, 16, 16);
                assertEquals(XenErrno.EINVAL.negated(), welcomeStatus(sock, hello), "vcpus " + vcpus);
            }
            byte[] garbage = "GET / HTTP/1.1\r\nHost: x\r\n\r\n0123456789012345678901234567890123456".getBytes(StandardCharsets.US_ASCII);
            assertEquals(XenErrno.EINVAL.negated(), welcomeStatus(sock, java.util.Arrays.copyOf(garbage, 64)));
            byte[] hugeMemory = new byte[64];
            MemorySegment h = MemorySegment.ofArray(hugeMemory);
            h.set(ValueLayout.JAVA_INT_UNALIGNED, 0, SessionHelloLayout.MAGIC);
            h.set(ValueLayout.JAVA_INT_UNALIGNED, 4, 1);
            h.set(ValueLayout.JAVA_INT_UNALIGNED, 8, 1);
            h.set(ValueLayout.JAVA_LONG_UNALIGNED, 16, Long.MAX_VALUE);
            assertEquals(XenErrno.EINVAL.negated(), welcomeStatus(sock, hugeMemory));
            assertTrue(listener.sessions().isEmpty());
            try (GuestConnection ok = GuestConnection.connect(sock, new GuestRequest(1, 4, "after"))) {
                assertEquals(1, ok.domid(), "no domain was built for the refused ones");
            }
        }
    }

    /** A guest that trickles half a hello and stops is refused once the 5 s hello budget is spent. */
    @Test
    void shouldRefuseAGuestThatNeverFinishesItsHello() throws Exception {
        Path sock = dir.resolve("hv4");
        try (GuestListener listener = GuestListener.open(sock, new TestHost());
             UnixSocket s = UnixSocket.connect(sock)) {
            long t0 = System.nanoTime();
            s.send(new byte[] {0x50, 0x56});
            Thread.sleep(100);
            s.send(new byte[] {0x4B, 0x47});
            byte[] w = new byte[64];
            assertEquals(0, s.receiveFully(w, 2).length);
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(XenErrno.EINVAL.negated(),
                    MemorySegment.ofArray(w).get(ValueLayout.JAVA_INT_UNALIGNED, SessionWelcomeLayout.STATUS_OFFSET));
            assertTrue(millis >= GuestListener.HELLO_TIMEOUT_MILLIS - 100 && millis < GuestListener.HELLO_TIMEOUT_MILLIS + 3000,
                    millis + " ms");
            assertTrue(listener.sessions().isEmpty());
        }
    }

    private static int welcomeStatus(Path sock, byte[] hello) {
        try (UnixSocket s = UnixSocket.connect(sock)) {
            s.send(hello);
            byte[] w = new byte[64];
            int[] fds = s.receiveFully(w, 2);
            assertEquals(0, fds.length);
            assertFalse(s.receive(new byte[1], 0).bytes() > 0, "closed after the refusal");
            return MemorySegment.ofArray(w).get(ValueLayout.JAVA_INT_UNALIGNED, SessionWelcomeLayout.STATUS_OFFSET);
        }
    }
}
