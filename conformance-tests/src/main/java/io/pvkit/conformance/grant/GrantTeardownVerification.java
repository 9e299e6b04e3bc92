package io.pvkit.conformance.grant;

import io.pvkit.conformance.spi.Capability;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fifth part of {@link GrantTableVerification} (extend that class, not this one): the end of mappings and of
 * domains (GNT-14, GNT-15, GNT-19, GNT-22, GNT-43): domain death, the in-process view of a mapping, release and
 * teardown while I/O holds a view, a dying domain, and a teardown while a copy of the domain's grants is in flight.
 */
public abstract class GrantTeardownVerification extends GrantCopyPinsVerification {

    /** For subclasses. */
    protected GrantTeardownVerification() {
    }

    // ------------------------------------------------------------------------------------------ GNT-14

    /**
     * Rule {@linkplain GrantRules GNT-14}: domain death releases and revokes all its mappings.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>destroying a domain walks its maptrack and unpins every entry it mapped (its granters' busy bits
     *       clear);</li>
     *   <li>mappings other domains hold of the dead domain's grants are torn down and their handles
     *       invalidated;</li>
     *   <li>the walk is bounded per step (XSA-380), and the teardown is done only when both lists are empty: the
     *       mappings the domain holds and the mappings others hold of its grants, each of which can outlast a
     *       step.</li>
     * </ul>
     */
    @Test
    public void required_GNT_14_domainDeathTearsDownMappings() {
        int n = 40;
        for (int r = 0; r < n; r++) {
            a.grant(FIRST_REF + r, b.domid(), a.data(r % 4), r % 2 == 0);
            assertEquals(OKAY, b.map(a.domid(), FIRST_REF + r, HOST | (r % 2 == 0 ? RO : 0), 0x1000L * (r + 1)).status());
        }
        c.grant(FIRST_REF, b.domid(), c.data(0), true);
        assertEquals(OKAY, b.map(c.domid(), FIRST_REF, HOST | RO, 0x100000).status());
        b.grant(FIRST_REF, c.domid(), b.data(0), true);
        GrantDomain.Mapped held = c.map(b.domid(), FIRST_REF, HOST | RO, 0x1000);
        assertEquals(OKAY, held.status());

        hypervisor.destroyDomain(b.dom);
        domains.remove(b.dom);
        for (int r = 0; r < n; r++) {
            assertEquals(0, a.busy(FIRST_REF + r), "entry " + (FIRST_REF + r) + " still busy after its mapper died");
            assertTrue(a.revoke(FIRST_REF + r), "the granter can revoke after its mapper died");
        }
        assertEquals(0, c.busy(FIRST_REF));
        assertEquals(BAD_HANDLE, c.unmap(held.handle(), 0x1000, 0), "a mapping of the dead domain's grant is gone");

        // more mappings than one step of a bounded teardown may release, and only one kind: a dying mapper whose own
        // grants nobody maps, then a dying granter that maps nothing itself
        GrantDomain mapper = create();
        for (int r = 0; r < n; r++) {
            a.grant(FIRST_REF + r, mapper.domid(), a.data(r % 4), true);
            assertEquals(OKAY, mapper.map(a.domid(), FIRST_REF + r, HOST | RO, 0x1000L * (r + 1)).status());
        }
        hypervisor.destroyDomain(mapper.dom);
        domains.remove(mapper.dom);
        for (int r = 0; r < n; r++) {
            assertEquals(0, a.busy(FIRST_REF + r), "entry " + (FIRST_REF + r) + " still busy after its mapper died "
                    + "holding " + n + " mappings (and none of its own grants mapped)");
        }
        GrantDomain granter = create();
        List<GrantDomain.Mapped> mapped = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            granter.grant(FIRST_REF + r, c.domid(), granter.data(r % 4), true);
            GrantDomain.Mapped m = c.map(granter.domid(), FIRST_REF + r, HOST | RO, 0x20_0000L + 0x1000L * r);
            assertEquals(OKAY, m.status());
            mapped.add(m);
        }
        hypervisor.destroyDomain(granter.dom);
        domains.remove(granter.dom);
        for (int r = 0; r < n; r++) {
            assertEquals(BAD_HANDLE, c.unmap(mapped.get(r).handle(), 0x20_0000L + 0x1000L * r, 0), "mapping " + (r + 1)
                    + " of " + n + " of a dead granter's grants (the granter mapped nothing itself) is gone");
        }
    }

    // ------------------------------------------------------------------------------------------ GNT-15

    /**
     * Rule {@linkplain GrantRules GNT-15}: the in-process view of a mapping honours read-only and dies at unmap, and
     * so does the view asked for a second time for the same mapping.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>a read-only map hands out {@code segment.asReadOnly()};</li>
     *   <li>unmap ends the view's scope (closes its arena) before the pin is dropped;</li>
     *   <li>a second request for the view of one mapping returns the same view (or one that unmap ends as well),
     *       never a new alias that nothing closes.</li>
     * </ul>
     */
    @Test
    public void optional_GNT_15_mappingViewDiesAtUnmap() {
        a.fillFrame(a.data(0), (byte) 0x77);
        a.grant(FIRST_REF, b.domid(), a.data(0), true);
        GrantDomain.Mapped m = b.map(a.domid(), FIRST_REF, HOST | RO, 0x1000);
        assertEquals(OKAY, m.status());
        MemorySegment view = mappingView(hypervisor, b.dom, m.handle());
        Assumptions.assumeTrue(view != null, "the implementation has no in-process mapping view");
        assertEquals(0x77, view.get(ValueLayout.JAVA_BYTE, 100), "the view shows the granted frame");
        assertTrue(view.isReadOnly(), "the view of a read-only map is read-only");
        assertThrows(RuntimeException.class, () -> view.set(ValueLayout.JAVA_BYTE, 0, (byte) 1));
        MemorySegment again = mappingView(hypervisor, b.dom, m.handle());
        assertEquals(0x77, again.get(ValueLayout.JAVA_BYTE, 100), "the view asked for again shows the granted frame");
        assertEquals(OKAY, b.unmap(m.handle(), 0x1000, 0));
        assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_BYTE, 0), "access after unmap");
        assertThrows(IllegalStateException.class, () -> again.get(ValueLayout.JAVA_BYTE, 0),
                "access after unmap through the view asked for a second time");
    }

    // ------------------------------------------------------------------------------------------ GNT-19

    /** GNT-19 and GNT-22 (release and teardown while a view is in use by I/O) live in {@link ReleaseDuringIo}. */
    private ReleaseDuringIo releaseDuringIo() {
        return new ReleaseDuringIo(hypervisor, domains, a, b, c, (d, handle) -> mappingView(hypervisor, d, handle),
                () -> settle(hypervisor));
    }

    /**
     * Rule {@linkplain GrantRules GNT-19}: a view in use by I/O at unmap or at the mapper's death keeps its pin
     * while it lives, and neither the pin nor the view outlives the I/O. The I/O is a thread (the one that
     * mapped) blocked in {@code Pipe.sink().write(view.asByteBuffer())} on a full pipe (NIO holds the view's
     * memory session acquired); it ends when the write completes, so the moment is deterministic for a view
     * any thread may close and for one only its mapping thread may. After the I/O, any access to the view
     * must throw (closed, or owned by a thread that has ended). A mapping with a host and a device part (when the
     * implementation maps both) unmapped during the I/O releases both pins once the view is dead; with only its host
     * part unmapped, the device part keeps the entry pinned until its own unmap.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>unmap and teardown end the view <em>before</em> dropping the pin, and a close that fails because the
     *       view is acquired ({@code IllegalStateException: Session is acquired}) is deferred and retried, not
     *       propagated and not ignored;</li>
     *   <li>the handle is not freed (its slot reused) while the deferred view lives;</li>
     *   <li>a deferred release drops only the host part's pin later, and the device part's pin at the unmap that
     *       names it;</li>
     *   <li>{@link #settle} (or the teardown itself) retries the deferred ends, and the domain's teardown
     *       reports "not done" until they happened.</li>
     * </ul>
     *
     * @throws Exception when the pipe or the wait for the I/O fails
     */
    @Test
    public void required_GNT_19_releaseDuringInFlightIoNeitherUnpinsEarlyNorLeaks() throws Exception {
        releaseDuringIo().releaseNeitherUnpinsEarlyNorLeaks();
    }

    // ------------------------------------------------------------------------------------------ GNT-22

    /**
     * Rule {@linkplain GrantRules GNT-22}: a dying domain stays dead for grants while its teardown waits. C holds
     * a mapping whose view is in use by I/O (as in GNT-19), and has granted a page to B; C is destroyed in
     * another thread, whose teardown cannot finish before the I/O completes. In that window C can map nothing
     * new, and B can neither map nor copy C's grant: the teardown's "dying" state is final from its start, so
     * nothing new appears behind the teardown's walk.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the domain is marked dying (refused as mapper and as granter) at the start of its teardown, before
     *       the first mapping is released or the first deferred view is waited for;</li>
     *   <li>nothing clears that mark until the domain is gone.</li>
     * </ul>
     *
     * @throws Exception when the pipe or the wait for the I/O fails
     */
    @Test
    public void required_GNT_22_dyingDomainStaysDeadWhileItsTeardownWaits() throws Exception {
        releaseDuringIo().dyingDomainStaysDead();
    }

    // ------------------------------------------------------------------------------------------ GNT-43

    /**
     * Rule {@linkplain GrantRules GNT-43}: a domain's teardown waits for a copy in flight that uses one of its grants.
     * B copies between a grant of a fresh domain G and one of C (G's as the source, then as the destination, each at the
     * references' first use and at a later one); the kit stops the copy where it accesses one entry's flags word while
     * the other shows the copy's busy bits ({@link CopyTeardown}), lets a thread new to the implementation make another
     * copy (C between its own frames), starts {@code destroyDomain(G)} in a third thread and waits 200 ms: the destroy
     * must not have returned. After the copy went on and returned, the destroy completes (bounded wait), the copy
     * returned a status rather than throwing, a GNTST_okay copy into C's frame moved every byte (a failed one wrote
     * none), C's entry is idle and revocable, and the other copy was okay. Checked with
     * {@link Capability#SHARED_MEMORY_VIEW} only.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the teardown keeps a domain's memory while any copy that acquired one of its grants, or is about to, runs
     *       (Xen: {@code gnttab_copy_lock_domains} holds the domain, {@code acquire_grant_for_copy} a page reference,
     *       both dropped by {@code gnttab_copy_release_buf}); for a lock-free copy path: the copy announces both
     *       domains before it rechecks that neither is dying, and the teardown marks the domain dying before it scans
     *       the announcements;</li>
     *   <li>the teardown waits for copies into the domain's frames as well as for copies out of them, and for every
     *       copying thread's announcement (a thread that starts copying later must not hide an earlier one's);</li>
     *   <li>a copy whose granter began dying while it ran finishes with a status (its own pins released), and
     *       reports GNTST_okay only for bytes it moved.</li>
     * </ul>
     *
     * @throws InterruptedException when the wait for the teardown is interrupted
     */
    @Test
    public void optional_GNT_43_teardownWaitsForCopiesInFlight() throws InterruptedException {
        Assumptions.assumeTrue(hypervisor.capabilities().contains(Capability.SHARED_MEMORY_VIEW),
                "capability SHARED_MEMORY_VIEW not declared: the kit cannot stop a copy inside its access to an entry");
        new CopyTeardown(hypervisor, domains, this::create, b, c).teardownWaitsForCopiesInFlight();
    }
}
