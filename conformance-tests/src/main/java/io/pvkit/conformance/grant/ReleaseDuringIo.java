package io.pvkit.conformance.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.hostile.HostileMemory;
import io.pvkit.conformance.property.Property;
import io.pvkit.conformance.property.StateMachine;
import io.pvkit.conformance.spi.Capability;
import io.pvkit.conformance.spi.DomainConfig;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checks of GNT-19 and GNT-22 (a grant released or a domain torn down while a mapping's view is in use by
 * I/O), split out of {@link GrantTableVerification}, which keeps the public test methods and their Javadoc.
 * One instance serves one test method, with that method's hypervisor and domains.
 */
final class ReleaseDuringIo {
    private static final int OKAY = GrantStatus.OKAY.code();
    private static final int HOST = GntMap.HOST_MAP;
    private static final int RO = GntMap.READONLY;
    private static final int BUSY = GrantFlags.READING | GrantFlags.WRITING;
    private static final int FIRST_REF = 8;

    /** The implementation's in-process view of a mapping (null when it has none). */
    interface Views {
        MemorySegment view(DomainUnderTest mapper, int handle);
    }

    private final HypervisorUnderTest hypervisor;
    private final List<DomainUnderTest> domains;
    private final GrantDomain a;
    private final GrantDomain b;
    private final GrantDomain c;
    private final Views views;
    private final Runnable settle;

    ReleaseDuringIo(HypervisorUnderTest hypervisor, List<DomainUnderTest> domains, GrantDomain a, GrantDomain b,
            GrantDomain c, Views views, Runnable settle) {
        this.hypervisor = hypervisor;
        this.domains = domains;
        this.a = a;
        this.b = b;
        this.c = c;
        this.views = views;
        this.settle = settle;
    }

    /** GNT-19. */
    void releaseNeitherUnpinsEarlyNorLeaks() throws Exception {
        a.fillFrame(a.data(0), (byte) 0x42);
        a.grant(FIRST_REF, b.domid(), a.data(0), false);
        GrantDomain.Mapped[] m = new GrantDomain.Mapped[1];
        MemorySegment view;
        try (InFlightWrite io = InFlightWrite.start(() -> {
            m[0] = b.map(a.domid(), FIRST_REF, HOST, 0x1000);
            return m[0].status() == OKAY ? views.view(b.dom, m[0].handle()) : null;
        })) {
            assertEquals(OKAY, m[0].status(), "map of the grant");
            view = io.view();
            Assumptions.assumeTrue(view != null, "the implementation has no in-process mapping view");
            assertEquals(OKAY, b.unmap(m[0].handle(), 0x1000, 0), "unmap while the view is in use by I/O");
            assertEquals(BUSY, a.busy(FIRST_REF), "the pin was dropped while the view is still in use by I/O");
            assertFalse(a.revoke(FIRST_REF), "the granter revoked a page that a live view still writes");
            io.finish();
        }
        settle.run();
        assertEquals(0, a.busy(FIRST_REF), "the pin leaked: the entry is still busy after the I/O completed");
        assertThrows(RuntimeException.class, () -> view.get(ValueLayout.JAVA_BYTE, 0),
                "the view is still alive after the unmap and the I/O completed");
        assertTrue(a.revoke(FIRST_REF), "the granter can revoke after the I/O completed");

        hostAndDevicePartsReleasedDuringIo();

        // the mapper dies while its view is in flight: a teardown in another thread must hold the pin until then
        a.grant(FIRST_REF + 1, c.domid(), a.data(1), false);
        GrantDomain.Mapped[] held = new GrantDomain.Mapped[1];
        MemorySegment view2;
        try (InFlightWrite io = InFlightWrite.start(() -> {
            held[0] = c.map(a.domid(), FIRST_REF + 1, HOST, 0x2000);
            return held[0].status() == OKAY ? views.view(c.dom, held[0].handle()) : null;
        })) {
            assertEquals(OKAY, held[0].status(), "map of the grant");
            view2 = io.view();
            assertNotNull(view2, "the view of a live host mapping");
            domains.remove(c.dom);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread destroyer = Thread.ofPlatform().daemon().name("pvkit-kit-destroy").start(() -> {
                try {
                    hypervisor.destroyDomain(c.dom);
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            for (int i = 0; i < 50 && destroyer.isAlive(); i++) {
                assertEquals(BUSY, a.busy(FIRST_REF + 1), "the dying mapper's pin was dropped while its view is in use");
                Thread.sleep(2);
            }
            assertEquals(BUSY, a.busy(FIRST_REF + 1), "the dying mapper's pin was dropped while its view is in use");
            io.finish();
            destroyer.join(Duration.ofSeconds(20));
            assertFalse(destroyer.isAlive(), "destroying the mapper never completed after its I/O completed");
            assertNull(failure.get(), "destroying the mapper threw");
        }
        settle.run();
        assertEquals(0, a.busy(FIRST_REF + 1), "the dead mapper's pin leaked");
        assertThrows(RuntimeException.class, () -> view2.get(ValueLayout.JAVA_BYTE, 0),
                "the dead mapper's view is still alive");
    }

    /**
     * GNT-19 for a mapping with a host and a device part (skipped when the implementation maps no device part, as
     * GNT-04 is): both parts unmapped at once while the view is in use by I/O (the device part's pin must go with
     * the host part's deferred release, not leak), and the host part alone (the device part still pins the entry
     * after the I/O, until its own unmap).
     */
    private void hostAndDevicePartsReleasedDuringIo() throws Exception {
        int both = FIRST_REF + 2;
        int hostFirst = FIRST_REF + 3;
        a.grant(both, b.domid(), a.data(2), false);
        a.grant(hostFirst, b.domid(), a.data(3), false);
        GrantDomain.Mapped[] m = new GrantDomain.Mapped[2];
        try (InFlightWrite io = InFlightWrite.start(() -> {
            m[0] = b.map(a.domid(), both, HOST | GntMap.DEVICE_MAP, 0x3000);
            return m[0].status() == OKAY ? views.view(b.dom, m[0].handle()) : null;
        })) {
            if (io.view() == null) {
                return; // no host+device mappings here
            }
            assertEquals(OKAY, b.unmap(m[0].handle(), 0x3000, m[0].devBusAddr()),
                    "unmap of the host and the device part while the view is in use by I/O");
            assertEquals(BUSY, a.busy(both), "the pin was dropped while the view is still in use by I/O");
            io.finish();
        }
        settle.run();
        assertEquals(0, a.busy(both), "a pin leaked: the entry mapped by a host and a device part is still busy after "
                + "both were unmapped and the I/O completed");
        assertTrue(a.revoke(both), "the granter can revoke after both parts were unmapped and the I/O completed");

        try (InFlightWrite io = InFlightWrite.start(() -> {
            m[1] = b.map(a.domid(), hostFirst, HOST | GntMap.DEVICE_MAP, 0x4000);
            return m[1].status() == OKAY ? views.view(b.dom, m[1].handle()) : null;
        })) {
            assertNotNull(io.view(), "the view of a host+device mapping");
            assertEquals(OKAY, b.unmap(m[1].handle(), 0x4000, 0), "unmap of the host part while its view is in use by I/O");
            io.finish();
        }
        settle.run();
        assertEquals(BUSY, a.busy(hostFirst), "the device part, still mapped, lost its pin when the host part's "
                + "deferred release completed");
        assertEquals(OKAY, b.unmap(m[1].handle(), 0, m[1].devBusAddr()), "unmap of the device part after the I/O");
        assertEquals(0, a.busy(hostFirst), "a pin leaked after the host part's deferred release and the device part's "
                + "unmap");
        assertEquals(GrantStatus.BAD_HANDLE.code(), b.unmap(m[1].handle(), 0, m[1].devBusAddr()),
                "the handle is stale once both parts are unmapped");
    }

    /** GNT-22. */
    void dyingDomainStaysDead() throws Exception {
        a.grant(FIRST_REF, c.domid(), a.data(0), false);
        a.grant(FIRST_REF + 1, c.domid(), a.data(1), true);
        c.grant(FIRST_REF, b.domid(), c.data(0), true);
        GrantDomain.Mapped[] held = new GrantDomain.Mapped[1];
        try (InFlightWrite io = InFlightWrite.start(() -> {
            held[0] = c.map(a.domid(), FIRST_REF, HOST, 0x2000);
            return held[0].status() == OKAY ? views.view(c.dom, held[0].handle()) : null;
        })) {
            assertEquals(OKAY, held[0].status(), "map of the grant");
            Assumptions.assumeTrue(io.view() != null, "the implementation has no in-process mapping view");
            domains.remove(c.dom);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread destroyer = Thread.ofPlatform().daemon().name("pvkit-kit-destroy").start(() -> {
                try {
                    hypervisor.destroyDomain(c.dom);
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            // the teardown begins when the destroyer thread runs; from the first refused map on, C is dying, and
            // that state must be final: every later map by C, and of C's grant, is refused until C is gone
            long deadline = System.nanoTime() + 5_000_000_000L;
            boolean dying = false;
            for (int checked = 0, attempt = 0; checked < 5; attempt++) {
                long hostAddr = 0x3000 + 0x1000L * (attempt % 16);
                GrantDomain.Mapped early = mapRefusedOr(c, a.domid(), FIRST_REF + 1, hostAddr);
                if (early.status() >= 0) {
                    assertFalse(dying, "a map by the dying domain C succeeded after an earlier one was refused: "
                            + "its dying state is not final (status " + early.status() + ")");
                    assertTrue(System.nanoTime() < deadline, "the domain C still maps 5 s after its teardown "
                            + "began (the teardown waits for C's view in use by I/O; C must be dead meanwhile)");
                    refusedOr(() -> c.unmap(early.handle(), hostAddr, 0)); // not dying yet: give it back
                    Thread.sleep(2);
                    continue;
                }
                dying = true;
                assertNegative(mapRefusedOr(b, c.domid(), FIRST_REF, 0x1000).status(),
                        "map by B of the dying domain C's grant while C's teardown waits");
                short copied = b.copy(new GrantDomain.Copy(FIRST_REF, c.domid(), 0, b.data(0), DomId.SELF, 0, 8,
                        GntCopy.SOURCE_GREF))[0];
                assertNegative(copied, "copy by B from the dying domain C's grant while C's teardown waits");
                if (checked == 0) {
                    // the dying domain's own unmap of its mapping in use: whatever it answers (it may be refused, or
                    // the domain may be gone already), it must not hit an internal error (the unexpectedErrors hook)
                    refusedOr(() -> c.unmap(held[0].handle(), 0x2000, 0));
                    // and its copy between two of its own frames (a dying domain's call: refused or answered, never
                    // an internal error)
                    refusedOr(() -> c.copy(new GrantDomain.Copy(c.data(1), DomId.SELF, 0, c.data(2), DomId.SELF, 0, 8,
                            0)));
                }
                checked++;
                Thread.sleep(2);
            }
            io.finish();
            destroyer.join(Duration.ofSeconds(20));
            assertFalse(destroyer.isAlive(), "destroying the domain never completed after its I/O completed");
            assertNull(failure.get(), "destroying the domain threw");
        }
        settle.run();
        assertEquals(0, a.busy(FIRST_REF), "the dead domain's pin leaked");
        assertEquals(0, a.busy(FIRST_REF + 1), "a mapping made by the dying domain leaked its pin");
        assertTrue(a.revoke(FIRST_REF + 1), "the granter can revoke what the dead domain was granted");
    }

    /** A read-only host map by {@code d}; status -1 when the hypercall threw (a dying domain's vCPU may not run). */
    private static GrantDomain.Mapped mapRefusedOr(GrantDomain d, int granter, int ref, long hostAddr) {
        try {
            return d.mapRaw(granter, ref, HOST | RO, hostAddr);
        } catch (RuntimeException e) {
            return new GrantDomain.Mapped(-1, -1, 0);
        }
    }

    /** Runs {@code op}, ignoring what a dying domain's call answers or throws. */
    private static void refusedOr(Runnable op) {
        try {
            op.run();
        } catch (RuntimeException | AssertionError ignored) {
            // the domain is dying: its unmap may be refused, or its handle already revoked
        }
    }


    private static void assertNegative(long status, String what) {
        GrantTableSetupVerification.assertNegative(status, what);
    }
}
