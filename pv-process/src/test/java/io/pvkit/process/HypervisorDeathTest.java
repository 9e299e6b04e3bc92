package io.pvkit.process;

import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.SchedOp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The other direction: the hypervisor runs in a child JVM and is killed (kill -9) while this process's guest
 * vCPU waits in SCHEDOP_block: the hypercall returns -ENODEV (the guest's monitor saw end of stream) instead of
 * spinning forever, and the guest's memory stays readable (the memfd lives on in this process).
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HypervisorDeathTest {
    @TempDir
    Path dir;

    @Test
    void shouldReturnEnodevFromAWaitingHypercallWhenTheHypervisorProcessIsKilled() throws Exception {
        Path sock = dir.resolve("hv");
        Process hv = Children.peer("hypervisor", sock.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(hv.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertTrue(line != null && line.startsWith("listening"), String.valueOf(line));
            try (GuestConnection guest = GuestConnection.connect(sock, new GuestRequest(1, 8, "survivor"))) {
                GuestHypercalls xen = new GuestHypercalls(guest.hypercalls(), guest.context(0), GuestMemory.gpaOf(7), 4096);
                assertEquals(TestHost.VERSION, xen.xenVersion());
                guest.memory().setLong(0x3000, 42);
                CompletableFuture<Long> blocked = CompletableFuture.supplyAsync(
                        () -> xen.call(HypercallOp.SCHED_OP, SchedOp.BLOCK.code(), 0));
                Thread.sleep(200);
                assertFalse(blocked.isDone(), "blocked in the hypervisor");
                long t0 = System.nanoTime();
                hv.toHandle().destroyForcibly();
                long rc = blocked.get(10, TimeUnit.SECONDS);
                long micros = (System.nanoTime() - t0) / 1000;
                assertEquals(XenErrno.ENODEV.negated(), rc);
                assertTrue(guest.hypervisorGone());
                assertEquals(42, guest.memory().getLong(0x3000), "the guest's memory outlives the hypervisor");
                assertEquals(XenErrno.ENODEV.negated(), xen.xenVersion());
                System.out.printf("[pv-process] kill -9 of the hypervisor JVM: the guest's blocked hypercall "
                        + "returned -ENODEV after %d us%n", micros);
            }
        } finally {
            hv.destroyForcibly();
            hv.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
