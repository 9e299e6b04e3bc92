package io.pvkit.conformance.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pvkit.abi.evtchn.EvtchnStatus;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.conformance.spi.Capability;
import io.pvkit.conformance.spi.DomainConfig;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import io.pvkit.conformance.spi.ResourceCounts;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rules DOM-01 and DOM-02: what destroying a domain leaves for the domains that survive it. Extend it and supply
 * {@link #createHypervisor()} (the porting SPI: event channels and grant tables through hypercalls); declare
 * {@link Capability#RESOURCE_COUNTS} for DOM-02.
 *
 * <p>Each test creates three unprivileged domains of {@link #domainFrames()} frames with one vCPU: two survivors
 * {@code a} and {@code c} and a victim {@code v}. Each sets up one grant-table frame with
 * {@code setup_table(DOMID_SELF, 1)}; the kit uses frame 1 as hypercall scratch and frames 2 and up as data,
 * grant references from 8 up, and writes grant entries raw (the {@code grant_entry_v1} layout).
 */
public abstract class DomainDeathVerification {
    /** The first grant reference the kit uses (Linux keeps 0..7 for the toolstack). */
    private static final int REF = 8;
    private static final long HOST_ADDR = 0x7000_0000L;
    private static final int OKAY = GrantStatus.OKAY.code();
    private static final int BAD_HANDLE = GrantStatus.BAD_HANDLE.code();
    /** How long DOM-02 waits for the counts to settle after the survivors let go. */
    private static final long SETTLE_NANOS = 5_000_000_000L;

    private HypervisorUnderTest hypervisor;
    private final List<Survivor> live = new ArrayList<>();

    /** For subclasses. */
    protected DomainDeathVerification() {
    }

    /**
     * A fresh hypervisor for one test method (closed after it).
     *
     * @return the hypervisor under test
     */
    protected abstract HypervisorUnderTest createHypervisor();

    /**
     * The memory of each test domain, in frames (at least 8).
     *
     * @return 64 by default
     */
    protected long domainFrames() {
        return 64;
    }

    @BeforeEach
    final void startHypervisor() {
        hypervisor = createHypervisor();
    }

    @AfterEach
    final void stopHypervisor() {
        if (hypervisor != null) {
            hypervisor.close();
        }
    }

    private Survivor create() {
        Survivor s = new Survivor(hypervisor.createDomain(new DomainConfig(domainFrames(), 1, false)));
        live.add(s);
        return s;
    }

    private void destroy(Survivor v) {
        live.remove(v);
        hypervisor.destroyDomain(v.dom);
    }

    /**
     * <a href="../../../../../RULES.md#dom-01">DOM-01</a>: survivor {@code a} has two interdomain channels with the
     * victim {@code v} (one it bound, one it offered), maps a grant of {@code v}, and has a grant mapped by
     * {@code v}; it also has a channel with, and a mapping of, survivor {@code c}. Then {@code v} is destroyed.
     * Both of {@code a}'s ports that were bound to {@code v} must be unbound and offered to {@code v}'s id (what
     * Xen's {@code evtchn_destroy} leaves), sends on them return 0 and go nowhere; {@code a}'s mapping of {@code v}'s
     * grant must be gone ({@code GNTST_bad_handle}) or end with {@code a}'s one unmap, after which the handle is
     * dead; a new map of another grant {@code v} had offered to {@code a} must fail; {@code a}'s grant that
     * {@code v} mapped must be idle and revocable; {@code a}'s channel with {@code c} stays interdomain and its
     * mapping of {@code c}'s grant unmaps normally.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>domain destruction closes every port of the dead domain the way {@code EVTCHNOP_close} would, so each
     *       peer's end becomes {@code EVTCHNSTAT_unbound} with {@code u.unbound.dom} = the dead domain (not left
     *       interdomain, not freed under the peer's feet);</li>
     *   <li>it releases every grant mapping the dead domain held (the granters' {@code GTF_reading}/{@code GTF_writing}
     *       clear) and stops new maps of its grants (the domain is dying from the first step of the teardown);</li>
     *   <li>mappings of the dead domain's grants are either revoked for their holders (their handles become invalid) or
     *       kept, as Xen keeps a zombie's pages, until each holder's unmap, which must succeed once;</li>
     *   <li>the teardown touches nothing of the channels and mappings between the survivors.</li>
     * </ul>
     */
    @Test
    public void required_DOM_01_survivorsLoseTheirViewOfADeadDomainAtOnce() {
        Survivor a = create();
        Survivor c = create();
        Survivor v = create();
        int[] boundByA = a.connect(v);      // a's port bound to v's offer
        int[] boundByV = v.connect(a);      // v's port bound to a's offer
        int[] withC = a.connect(c);
        v.grant(REF, a, v.data(0), false);
        v.grant(REF + 1, a, v.data(1), true);
        Survivor.Mapped ofVictim = a.map(v.domid(), REF, GntMap.HOST_MAP, HOST_ADDR);
        assertEquals(OKAY, ofVictim.status(), "a maps v's grant before v dies");
        a.grant(REF, v, a.data(0), false);
        Survivor.Mapped byVictim = v.map(a.domid(), REF, GntMap.HOST_MAP, HOST_ADDR);
        assertEquals(OKAY, byVictim.status(), "v maps a's grant before it dies");
        assertTrue(a.busy(REF) != 0, "a's grant is busy while v maps it");
        c.grant(REF, a, c.data(0), true);
        Survivor.Mapped ofC = a.map(c.domid(), REF, GntMap.HOST_MAP | GntMap.READONLY, HOST_ADDR + 0x1000);
        assertEquals(OKAY, ofC.status(), "a maps c's grant");

        destroy(v);

        for (int port : new int[] {boundByA[0], boundByV[1]}) {
            int[] st = a.status(port);
            assertEquals(0, st[0], "DOM-01: EVTCHNOP_status of a's port " + port + " after its peer v died");
            assertEquals(EvtchnStatus.UNBOUND.code(), st[1], "DOM-01: a's port " + port + " was bound to domain "
                    + v.domid() + ", which died; it must be unbound (EVTCHNSTAT_unbound), is status " + st[1]);
            assertEquals(v.domid(), st[2], "DOM-01: a's port " + port + " must stay offered to the dead domain "
                    + v.domid() + " (Xen's __evtchn_close sets remote_domid to the closing domain), offered to " + st[2]);
            assertEquals(0, a.send(port), "DOM-01: a send on a port whose peer died is dropped and returns 0");
        }
        int first = a.unmap(ofVictim.handle(), HOST_ADDR);
        assertTrue(first == OKAY || first == BAD_HANDLE, "DOM-01: a's unmap of its mapping of the dead domain's "
                + "grant must succeed once (a zombie kept until then) or find it gone (GNTST_bad_handle): "
                + GrantStatus.describe(first));
        assertEquals(BAD_HANDLE, a.unmap(ofVictim.handle(), HOST_ADDR), "DOM-01: the handle of a mapping of a dead "
                + "domain's grant must be dead after the unmap");
        Survivor.Mapped late = a.map(v.domid(), REF + 1, GntMap.HOST_MAP | GntMap.READONLY, HOST_ADDR + 0x2000);
        assertTrue(late.status() < 0, "DOM-01: a new map of a dead domain's grant must fail, got status "
                + late.status() + " handle " + late.handle());
        assertEquals(0, a.busy(REF), "DOM-01: a's grant that the dead domain v had mapped is still GTF_reading/"
                + "GTF_writing: destruction must release every mapping the dead domain held");
        assertTrue(a.revoke(REF), "DOM-01: a cannot revoke the grant the dead domain had mapped");
        int[] st = a.status(withC[0]);
        assertEquals(EvtchnStatus.INTERDOMAIN.code(), st[1], "DOM-01: a's channel with the survivor c changed when "
                + "v died (status " + st[1] + ")");
        assertEquals(0, a.send(withC[0]), "DOM-01: a's send to the survivor c");
        assertEquals(OKAY, a.unmap(ofC.handle(), HOST_ADDR + 0x1000), "DOM-01: a's mapping of the survivor c's "
                + "grant must survive v's death");
    }

    /**
     * <a href="../../../../../RULES.md#dom-02">DOM-02</a> (with {@link Capability#RESOURCE_COUNTS}): the counts are
     * taken with survivor {@code a} set up; then victim {@code v} is created and given two channels with {@code a},
     * an unbound port offered to {@code a}, a mapping of {@code a}'s grant, and a grant that
     * {@code a} maps. {@code v} is destroyed; {@code a} unmaps its mapping of {@code v}'s grant and closes its two
     * ports that had been bound to {@code v}. Within 5 seconds the counts must equal those taken before {@code v}
     * existed.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>every port of the dead domain is freed, and every port the implementation's own service domains had
     *       allocated for it (console, store, backends) is closed when the domain goes;</li>
     *   <li>every mapping the dead domain held is released, and a zombie kept for mappings of its grants is freed when
     *       the last one goes;</li>
     *   <li>the domain itself leaves the implementation's domain list once nothing refers to it.</li>
     * </ul>
     */
    @Test
    public void optional_DOM_02_deadDomainLeavesNothingBehind() {
        Assumptions.assumeTrue(hypervisor.capabilities().contains(Capability.RESOURCE_COUNTS),
                "capability RESOURCE_COUNTS not declared");
        Survivor a = create();
        ResourceCounts before = hypervisor.resourceCounts();
        Survivor v = create();
        int[] boundByA = a.connect(v);
        int[] boundByV = v.connect(a);
        assertTrue(v.offer(a) > 0, "v offers a port to a");
        a.grant(REF, v, a.data(0), false);
        Survivor.Mapped byVictim = v.map(a.domid(), REF, GntMap.HOST_MAP, HOST_ADDR);
        assertEquals(OKAY, byVictim.status(), "v maps a's grant");
        v.grant(REF, a, v.data(0), true);
        Survivor.Mapped ofVictim = a.map(v.domid(), REF, GntMap.HOST_MAP | GntMap.READONLY, HOST_ADDR);
        assertEquals(OKAY, ofVictim.status(), "a maps v's grant");
        ResourceCounts during = hypervisor.resourceCounts();

        destroy(v);
        a.unmap(ofVictim.handle(), HOST_ADDR);
        assertEquals(0, a.close(boundByA[0]), "DOM-02: a closes its port that had been bound to the dead domain");
        assertEquals(0, a.close(boundByV[1]), "DOM-02: a closes its port that the dead domain had bound");
        long deadline = System.nanoTime() + SETTLE_NANOS;
        ResourceCounts now = hypervisor.resourceCounts();
        while (!now.equals(before) && System.nanoTime() < deadline) {
            sleep();
            now = hypervisor.resourceCounts();
        }
        if (!now.equals(before)) {
            fail("DOM-02: 5 s after domain " + v.domid() + " died and its survivor let go of it, the implementation "
                    + "still holds " + describe(now, before) + " more than before the domain was created (before: "
                    + before + ", while it lived: " + during + ", now: " + now + ")");
        }
    }

    private static String describe(ResourceCounts now, ResourceCounts before) {
        return (now.domains() - before.domains()) + " domain(s), " + (now.ports() - before.ports()) + " port(s) and "
                + (now.grantMappings() - before.grantMappings()) + " grant mapping(s)";
    }

    private static void sleep() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
