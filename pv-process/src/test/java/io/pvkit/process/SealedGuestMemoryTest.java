package io.pvkit.process;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.process.internal.Native;
import io.pvkit.process.internal.SysConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SealedGuestMemoryTest {
    private static final long FRAMES = 16;
    private static final int EPERM = 1;

    @TempDir
    Path dir;

    @Test
    void shouldCreateSealedZeroedMemoryOfTheRequestedSize() {
        try (SealedGuestMemory mem = SealedGuestMemory.create("t", FRAMES)) {
            assertEquals(FRAMES, mem.memory().frames());
            assertEquals(SealedGuestMemory.REQUIRED_SEALS, mem.seals() & SealedGuestMemory.REQUIRED_SEALS);
            assertEquals(0L, mem.memory().getLong(GuestMemory.gpaOf(FRAMES) - 8));
            assertEquals(-EPERM, Native.ftruncate(mem.fd(), 0), "this process cannot shrink it either");
            mem.memory().setIntRelease(0x2000, 7);
            assertEquals(7, mem.memory().getIntAcquire(0x2000));
        }
    }

    @Test
    void shouldThrowInsteadOfTouchingUnmappedMemoryAfterClose() {
        SealedGuestMemory mem = SealedGuestMemory.create("t", 1);
        GuestMemory view = mem.memory();
        mem.close();
        mem.close();
        assertThrows(IllegalStateException.class, () -> view.getInt(0));
    }

    @Test
    void shouldRefuseToMapAnUnsealedOrWronglySizedFd() {
        int fd = Native.memfdCreate("unsealed", SysConstants.MFD_CLOEXEC | SysConstants.MFD_ALLOW_SEALING);
        assertEquals(0, Native.ftruncate(fd, 4096));
        assertThrows(IllegalArgumentException.class, () -> SealedGuestMemory.map(fd, 1));
        assertEquals(-9, Native.fcntl(fd, SysConstants.F_GET_SEALS, 0), "map closed the fd it refused (EBADF)");
        try (SealedGuestMemory mem = SealedGuestMemory.create("t", 2)) {
            int dup = Native.fcntl(mem.fd(), 1030 /* F_DUPFD_CLOEXEC */, 0);
            assertThrows(IllegalArgumentException.class, () -> SealedGuestMemory.map(dup, 3));
        }
    }

    /**
     * A real second process receives the fd, tries to shrink it to 0 and to half, to grow it and to add a
     * seal: each is refused with EPERM, and this process reads every byte afterwards without a fault. The child
     * runs without --enable-native-access and prints the JVM's warning naming the module.
     */
    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldKeepServingWhenAnotherProcessTriesToShrinkTheMemory() throws Exception {
        Path sock = dir.resolve("s");
        try (SealedGuestMemory mem = SealedGuestMemory.create("guest", FRAMES);
             UnixSocket listener = UnixSocket.listen(sock)) {
            for (long gpa = 0; gpa < FRAMES * 4096; gpa += 8) {
                mem.memory().setLong(gpa, gpa);
            }
            Process child = Children.peer("attack", sock.toString()).redirectErrorStream(true).start();
            try (UnixSocket conn = listener.accept()) {
                conn.send(le64(FRAMES), mem.fd());
                String report = readLine(conn);
                System.out.println("[pv-process] child attack on a sealed memfd: " + report);
                assertTrue(report.contains("shrink0=-" + EPERM + " shrinkHalf=-" + EPERM + " grow=-" + EPERM
                        + " addSeal=-" + EPERM + " size=" + FRAMES * 4096), report);
                long sum = 0;
                for (long gpa = 0; gpa < FRAMES * 4096; gpa += 8) {
                    sum += mem.memory().getLongVolatile(gpa) == gpa || gpa == ProcessPeer.MARKER_GPA ? 1 : 0;
                }
                assertEquals(FRAMES * 512, sum, "every word still readable and intact");
                assertEquals(ProcessPeer.MARKER, mem.memory().getLongAcquire(ProcessPeer.MARKER_GPA));
                conn.send(new byte[] {1});
            }
            assertTrue(child.waitFor(60, TimeUnit.SECONDS));
            String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, child.exitValue(), out);
            assertTrue(out.contains("WARNING: A restricted method") && out.contains("--enable-native-access=io.pvkit.process"),
                    "the child ran without the flag, with the JVM's warning: " + out);
        }
    }

    /**
     * Negative control: the same child on an unsealed memfd truncates it, and this process's next access to
     * the mapping faults (SIGBUS, InternalError): the failure the seals prevent.
     */
    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldFaultOnAnUnsealedMemfdTruncatedByAnotherProcess() throws Exception {
        Path sock = dir.resolve("u");
        int fd = Native.memfdCreate("unsealed", SysConstants.MFD_CLOEXEC);
        assertEquals(0, Native.ftruncate(fd, FRAMES * 4096));
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared();
             UnixSocket listener = UnixSocket.listen(sock)) {
            GuestMemory mem = GuestMemory.wrap(Native.mmapShared(fd, FRAMES * 4096, arena, new int[1]));
            mem.setLong(FRAMES * 4096 - 8, 1);
            Process child = Children.peer("attack-unsealed", sock.toString()).redirectErrorStream(true).start();
            try (UnixSocket conn = listener.accept()) {
                conn.send(le64(FRAMES), fd);
                String report = readLine(conn);
                assertTrue(report.startsWith("shrink0=0 size=0"), report);
                assertThrows(InternalError.class, () -> mem.getLongVolatile(FRAMES * 4096 - 8));
                conn.send(new byte[] {1});
            }
            assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        } finally {
            Native.close(fd);
        }
    }

    static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, v).array();
    }

    static String readLine(UnixSocket conn) {
        StringBuilder sb = new StringBuilder();
        byte[] one = new byte[1];
        while (true) {
            UnixSocket.Received r = conn.receive(one, 0);
            if (r.endOfStream() || one[0] == '\n') {
                return sb.toString();
            }
            sb.append((char) one[0]);
        }
    }
}
