package io.pvkit.guest;

import io.pvkit.abi.XenErrno;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.HvmParam;
import io.pvkit.abi.platform.PhysMapSpace;
import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.abi.platform.StartInfoLayout;
import io.pvkit.abi.xenstore.XenbusState;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Boots the real reference guest against {@link TestHypervisor} (a test double, not the reference hypervisor). */
class ReferenceGuestBootTest {

    private record Run(ReferenceGuest guest, TestHypervisor hv, List<String> console, String hvConsole) {
    }

    private static Run boot(GuestOptions options, Consumer<TestHypervisor> setUp) throws Exception {
        ReferenceGuest guest = ReferenceGuest.entryPoint(options);
        try (TestHypervisor hv = new TestHypervisor()) {
            setUp.accept(hv);
            hv.build("");
            Thread vcpu = hv.start(guest);
            vcpu.join(30_000);
            assertFalse(vcpu.isAlive(), "the guest returned from enter");
            long until = System.nanoTime() + 2_000_000_000L;   // let dom0 drain the last console bytes
            while (System.nanoTime() < until && hv.consoleDrained() < guest.stats().consoleBytes()) {
                Thread.sleep(5);
            }
            return new Run(guest, hv, List.copyOf(hv.consoleLines), hv.hypervisorConsole.toString());
        }
    }

    @Test
    void shouldBootPingDomain0AndPowerOff() throws Exception {
        Run run = boot(GuestOptions.builder().rounds(50).verbosity(ConsoleVerbosity.VERBOSE).build(), hv -> { });
        GuestStats stats = run.guest().stats();
        assertEquals(GuestState.DONE, stats.state(), () -> "failure: " + stats.failure() + " console " + run.console());
        assertEquals(ShutdownReason.POWEROFF, run.hv().shutdownReason());
        assertEquals(50, stats.pingsSent());
        assertEquals(50, stats.pongsReceived());
        assertEquals(50, stats.roundTrips());
        // domain 0 also answers the event its own bind left pending (Xen's bind_interdomain), unless the guest got it first
        assertTrue(run.hv().echoes.get() == 50 || run.hv().echoes.get() == 51, "echoes " + run.hv().echoes.get());
        assertTrue(stats.meanRoundTripNanos() > 0);
        assertTrue(run.console().stream().anyMatch(l -> l.matches("echo: 50 round trips, mean \\d+\\.\\d us")),
                run.console().toString());
        assertTrue(run.console().contains("shutdown: poweroff"), run.console().toString());
        assertTrue(run.console().stream().anyMatch(l -> l.startsWith("boot: guest1 up")), run.console().toString());
        assertTrue(run.console().stream().anyMatch(l -> l.startsWith("boot: grant table: 1 frame(s) [" + TestHypervisor.GRANT_BASE + "]")),
                run.console().toString());
        // every console byte arrived, in order, and the counters agree
        long bytes = run.console().stream().mapToLong(l -> l.length() + 1).sum();
        assertEquals(bytes, stats.consoleBytes());
        assertEquals(0, stats.consoleBytesDropped());
        // the boot steps the contract names reached the hypervisor
        assertTrue(run.hv().calls.contains("add_to_physmap(" + PhysMapSpace.SHARED_INFO.code() + ",0,"
                + TestHypervisor.SHARED_INFO + ")"), run.hv().calls.toString());
        assertTrue(run.hv().calls.contains("add_to_physmap(" + PhysMapSpace.GRANT_TABLE.code() + ",0,"
                + TestHypervisor.GRANT_BASE + ")"), run.hv().calls.toString());
        assertNotNull(run.hv().hvmParam(HvmParam.CALLBACK_IRQ));
        assertEquals("", run.hvConsole(), "nothing went to the emergency console");
        assertNull(stats.failure());
    }

    @Test
    void shouldStopAtTheDurationWhenRoundsAreUnlimited() throws Exception {
        Run run = boot(GuestOptions.builder().duration(Duration.ofMillis(300)).verbosity(ConsoleVerbosity.QUIET).build(),
                hv -> { });
        GuestStats stats = run.guest().stats();
        assertEquals(GuestState.DONE, stats.state(), () -> String.valueOf(stats.failure()));
        assertTrue(stats.roundTrips() > 0);
        assertEquals(stats.pingsSent(), stats.pongsReceived());
        assertEquals(List.of("echo: " + stats.roundTrips() + " round trips, mean "
                + run.console().getFirst().substring(run.console().getFirst().indexOf("mean ") + 5)), run.console(),
                "QUIET writes the summary only");
    }

    @Test
    void shouldCrashWithTheCauseOnTheEmergencyConsoleWhenStartInfoIsHostile() throws Exception {
        Run run = boot(GuestOptions.defaults(), hv -> { });
        assertEquals(GuestState.DONE, run.guest().stats().state());   // control run, then a hostile one:
        ReferenceGuest guest = ReferenceGuest.entryPoint(GuestOptions.defaults());
        try (TestHypervisor hv = new TestHypervisor()) {
            hv.build("");
            hv.guestMemory.setLong(GuestMemory.gpaOf(TestHypervisor.START_INFO) + StartInfoLayout.NR_PAGES_OFFSET,
                    TestHypervisor.GUEST_FRAMES);
            hv.start(guest).join(30_000);
            assertEquals(GuestState.FAILED, guest.stats().state());
            assertEquals(ShutdownReason.CRASH, hv.shutdownReason());
            assertTrue(hv.hypervisorConsole.toString().startsWith("crash: start_info.nr_pages"),
                    hv.hypervisorConsole.toString());
            assertTrue(guest.stats().failure() instanceof BootException);
            assertEquals(0, guest.stats().pingsSent());
        }
    }

    @Test
    void shouldCrashWhenTheHypervisorRefusesToMapSharedInfo() throws Exception {
        Run run = boot(GuestOptions.defaults(), hv -> hv.knobs.sharedInfoFailure = XenErrno.EINVAL.negated());
        assertEquals(GuestState.FAILED, run.guest().stats().state());
        assertEquals(ShutdownReason.CRASH, run.hv().shutdownReason());
        assertTrue(run.hvConsole().contains("crash: XENMEM_add_to_physmap(shared_info, gpfn " + TestHypervisor.SHARED_INFO + ") failed"), run.hvConsole());
    }

    @Test
    void shouldCrashOnItsConsoleRingWhenDomain0NeverConnectsTheEchoPort() throws Exception {
        Run run = boot(GuestOptions.builder().connectTimeout(Duration.ofMillis(100)).build(),
                hv -> hv.knobs.dom0BindsEcho = false);
        assertEquals(GuestState.FAILED, run.guest().stats().state());
        assertEquals(ShutdownReason.CRASH, run.hv().shutdownReason());
        assertTrue(run.console().stream().anyMatch(l -> l.startsWith("crash: echo: domain 0 did not connect port")),
                run.console().toString());
        assertEquals("", run.hvConsole());
    }

    @Test
    void shouldFinishTheWorkloadWhenDomain0BreaksTheConsoleRing() throws Exception {
        Run run = boot(GuestOptions.builder().rounds(30).progressInterval(Duration.ofNanos(1)).build(),
                hv -> hv.knobs.corruptOutConsAfterBytes = 60);
        GuestStats stats = run.guest().stats();
        assertEquals(GuestState.DONE, stats.state(), () -> String.valueOf(stats.failure()));
        assertEquals(ShutdownReason.POWEROFF, run.hv().shutdownReason());
        assertEquals(30, stats.roundTrips());
        assertTrue(stats.consoleBytesDropped() > 0, "output after the corruption was dropped");
    }

    @Test
    void shouldStopQuietlyWhenTheDomainIsDestroyedWhileBlocked() throws Exception {
        Run run = boot(GuestOptions.builder().rounds(1_000_000).build(), hv -> hv.knobs.echoesBeforeDestroy = 10);
        GuestStats stats = run.guest().stats();
        assertEquals(GuestState.FAILED, stats.state());
        assertTrue(stats.failure() instanceof HypercallException h && h.domainHalted(), String.valueOf(stats.failure()));
        assertNull(run.hv().shutdownReason(), "a destroyed guest does not ask for a shutdown");
        assertTrue(stats.pingsSent() >= 9, "pings " + stats.pingsSent());
        assertEquals(stats.pingsSent() - 1, stats.pongsReceived(), "destroyed while waiting for the last pong");
    }

    @Test
    void shouldReturnAtOnceOnSecondaryVcpusAndBootOnlyOnce() throws Exception {
        ReferenceGuest guest = ReferenceGuest.entryPoint(GuestOptions.builder().rounds(1).build());
        try (TestHypervisor hv = new TestHypervisor()) {
            hv.build("");
            guest.enter(new io.pvkit.abi.spi.VcpuStart(hv, io.pvkit.abi.hypercall.HypercallContext.of(
                    TestHypervisor.GUEST, 1, false, hv.guestMemory), GuestMemory.gpaOf(TestHypervisor.START_INFO)));
            assertEquals(GuestState.BOOTING, guest.stats().state());
            hv.start(guest).join(30_000);
            assertEquals(GuestState.DONE, guest.stats().state());
            org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> guest.enter(
                    new io.pvkit.abi.spi.VcpuStart(hv, io.pvkit.abi.hypercall.HypercallContext.of(
                            TestHypervisor.GUEST, 0, false, hv.guestMemory), GuestMemory.gpaOf(TestHypervisor.START_INFO))));
        }
    }

    // ------------------------------------------------------------------ xenstore and the echo device (issue 11)

    @Test
    void shouldWalkTheEchoDeviceHandshakeAndCloseItAtShutdown() throws Exception {
        Run run = boot(GuestOptions.builder().rounds(20).verbosity(ConsoleVerbosity.VERBOSE).build(), hv -> { });
        GuestStats stats = run.guest().stats();
        assertEquals(GuestState.DONE, stats.state(), () -> "failure: " + stats.failure() + " console " + run.console()
                + " hv " + run.hvConsole());
        assertEquals(XenstoreStatus.CONNECTED, stats.xenstore());
        assertTrue(stats.echoViaXenbus());
        assertEquals(XenbusState.CLOSED, stats.echoDeviceState());
        assertEquals(20, stats.roundTrips());
        assertTrue(run.hv().echoes.get() >= 20, "dom0 echoed on the handshake's port: " + run.hv().echoes.get());
        assertTrue(run.console().stream().anyMatch(l -> l.startsWith("boot: xenstore: connected on port")),
                run.console().toString());
        assertTrue(run.console().stream().anyMatch(l -> l.matches(
                "boot: xenbus: /local/domain/1/device/pvkit-echo/0 connected, event-channel \\d+")), run.console().toString());
        assertTrue(run.console().contains("shutdown: xenbus: /local/domain/1/device/pvkit-echo/0 closed, backend closed"),
                run.console().toString());
    }

    @Test
    void shouldLeaveBothEndsOfTheEchoDeviceClosedInXenstore() throws Exception {
        ReferenceGuest guest = ReferenceGuest.entryPoint(GuestOptions.builder().rounds(5).build());
        try (TestHypervisor hv = new TestHypervisor()) {
            hv.build("");
            hv.start(guest).join(30_000);
            assertEquals(GuestState.DONE, guest.stats().state(), () -> String.valueOf(guest.stats().failure()));
            String port = hv.xenstoreNode(TestHypervisor.FRONT + "/event-channel");
            assertTrue(port != null && port.matches("\\d+"), "event-channel " + port);
            assertEquals("6", hv.xenstoreNode(TestHypervisor.FRONT + "/state"));
            long until = System.nanoTime() + 5_000_000_000L;   // the backend follows on its own thread
            while (!"6".equals(hv.xenstoreNode(TestHypervisor.BACK + "/state")) && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            assertEquals("6", hv.xenstoreNode(TestHypervisor.BACK + "/state"));
        }
    }

    @Test
    void shouldFallBackToTheCommandLineEchoPortWithoutXenstore() throws Exception {
        Run run = boot(GuestOptions.builder().rounds(20).xenstoreTimeout(Duration.ofMillis(100)).build(),
                hv -> hv.knobs.xenstore = false);
        GuestStats stats = run.guest().stats();
        assertEquals(GuestState.DONE, stats.state(), () -> String.valueOf(stats.failure()));
        assertEquals(XenstoreStatus.UNAVAILABLE, stats.xenstore());
        assertFalse(stats.echoViaXenbus());
        assertEquals(XenbusState.UNKNOWN, stats.echoDeviceState());
        assertEquals(20, stats.roundTrips());
    }

    @Test
    void shouldFallBackToTheCommandLineEchoPortWhenTheDeviceDirectoryIsAbsent() throws Exception {
        Run run = boot(GuestOptions.builder().rounds(20).build(), hv -> hv.knobs.echoDevice = false);
        GuestStats stats = run.guest().stats();
        assertEquals(GuestState.DONE, stats.state(), () -> String.valueOf(stats.failure()));
        assertEquals(XenstoreStatus.CONNECTED, stats.xenstore());
        assertFalse(stats.echoViaXenbus());
        assertEquals(20, stats.roundTrips());
    }

    @Test
    void shouldCrashWhenTheBackendNeverConnects() throws Exception {
        Run run = boot(GuestOptions.builder().connectTimeout(Duration.ofMillis(300)).build(),
                hv -> hv.knobs.backendConnects = false);
        GuestStats stats = run.guest().stats();
        assertEquals(GuestState.FAILED, stats.state());
        assertEquals(ShutdownReason.CRASH, run.hv().shutdownReason());
        assertTrue(stats.failure() instanceof io.pvkit.xenbus.XenbusHandshakeException, String.valueOf(stats.failure()));
        assertEquals(XenbusState.INITIALISED, stats.echoDeviceState());
        assertTrue(run.console().stream().anyMatch(l -> l.startsWith("crash: XenbusHandshakeException")),
                run.console().toString());
        assertEquals(0, stats.pingsSent());
    }

    @Test
    void shouldStopTheEchoAndFollowToClosedWhenTheBackendClosesTheDevice() throws Exception {
        Run run = boot(GuestOptions.builder().rounds(1_000_000).build(), hv -> hv.knobs.backendClosesAfterEchoes = 10);
        GuestStats stats = run.guest().stats();
        assertEquals(GuestState.DONE, stats.state(), () -> String.valueOf(stats.failure()));
        assertTrue(stats.roundTrips() >= 9 && stats.roundTrips() < 1_000_000, "round trips " + stats.roundTrips());
        assertEquals(XenbusState.CLOSED, stats.echoDeviceState());
        assertTrue(run.console().stream().anyMatch(l -> l.startsWith("echo: the backend closed the device after")),
                run.console().toString());
        assertEquals("6", run.hv().xenstoreNode(TestHypervisor.BACK + "/state"));
    }
}
