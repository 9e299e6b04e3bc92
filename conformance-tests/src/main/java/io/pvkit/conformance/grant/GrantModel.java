package io.pvkit.conformance.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.property.Action;
import io.pvkit.conformance.property.Gen;
import io.pvkit.conformance.property.Gens;
import io.pvkit.conformance.spi.DomainConfig;
import io.pvkit.conformance.spi.HypervisorUnderTest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The model of GNT-18: three domains (by index 0..2, each with a generation that grows when it dies and
 * is replaced), the grants they made and the mappings they hold. Immutable; the actions below run a step
 * against a {@link Trio} and predict its observable result from the model.
 *
 * @param grants the live grants
 * @param maps the live mappings
 * @param gens the generation of each domain index
 * @param nextId the id of the next mapping
 */
record GrantModel(List<Grant> grants, List<Mapping> maps, List<Integer> gens, int nextId) {
    static final int MAX_GRANTS_PER_DOMAIN = 24;
    static final int MAX_MAPS_PER_DOMAIN = 16;
    private static final int OKAY = GrantStatus.OKAY.code();

    /** A grant: granter index and generation, reference, grantee index and generation, data frame index. */
    record Grant(int granter, int granterGen, int ref, int grantee, int granteeGen, int frame, boolean readOnly) {
    }

    /** A mapping with a model id (the system keeps the id -> handle table). */
    record Mapping(int id, int mapper, Grant grant, boolean readOnly) {
    }

    /** The system: a hypervisor under test with three grant domains that can die and be replaced. */
    static final class Trio implements AutoCloseable {
        final HypervisorUnderTest hv;
        final long frames;
        final GrantDomain[] d = new GrantDomain[3];
        final Map<Integer, Integer> handles = new HashMap<>();

        Trio(HypervisorUnderTest hv, long frames) {
            this.hv = hv;
            this.frames = frames;
            for (int i = 0; i < 3; i++) {
                d[i] = new GrantDomain(hv.createDomain(new DomainConfig(frames, 1, false)), null);
            }
        }

        void replace(int i) {
            hv.destroyDomain(d[i].dom);
            d[i] = new GrantDomain(hv.createDomain(new DomainConfig(frames, 1, false)), null);
        }

        @Override
        public void close() {
            for (GrantDomain g : d) {
                hv.destroyDomain(g.dom);
            }
            hv.close();
        }
    }

    static GrantModel initial() {
        return new GrantModel(List.of(), List.of(), List.of(0, 0, 0), 0);
    }

    int freeRef(int granter) {
        for (int ref = 8; ; ref++) {
            int r = ref;
            if (grants.stream().noneMatch(g -> g.granter() == granter && g.ref() == r)) {
                return ref;
            }
        }
    }

    long grantsOf(int granter) {
        return grants.stream().filter(g -> g.granter() == granter).count();
    }

    long mapsOf(int mapper) {
        return maps.stream().filter(m -> m.mapper() == mapper).count();
    }

    boolean mapped(Grant g) {
        return maps.stream().anyMatch(m -> m.grant().equals(g));
    }

    boolean permits(Grant g, int domain) {
        return g.grantee() == domain && g.granteeGen() == gens.get(domain);
    }

    /** The actions allowed in a model state. */
    static Gen<Action<GrantModel, Trio>> actions(GrantModel m) {
        List<Gen<? extends Action<GrantModel, Trio>>> gens = new ArrayList<>();
        gens.add(Gens.ints(0, 2).flatMap(g -> Gens.ints(0, 2).flatMap(e -> Gens.ints(0, 3).flatMap(
                f -> Gens.booleans().map(ro -> new DoGrant(g, e, f, ro))))));
        gens.add(Gens.ints(0, 2).map(Death::new));
        if (!m.grants().isEmpty()) {
            gens.add(Gens.elements(m.grants()).flatMap(g -> Gens.ints(0, 2).flatMap(
                    d -> Gens.booleans().map(ro -> new DoMap(g, d, ro)))));
            // biased towards the grantee: repeated valid maps of one grant reach the pin-count states
            // (two mappings, unmap one) that a uniformly random mapper rarely builds
            gens.add(Gens.elements(m.grants()).flatMap(g -> Gens.booleans().map(ro -> new DoMap(g, g.grantee(), ro))));
            gens.add(Gens.elements(m.grants()).flatMap(g -> Gens.ints(0, 2).flatMap(d -> Gens.ints(0, 64).flatMap(
                    len -> Gens.ints(0, 4032).map(off -> new DoCopy(g, d, len, off))))));
            gens.add(Gens.elements(m.grants()).map(Revoke::new));
        }
        if (!m.maps().isEmpty()) {
            gens.add(Gens.elements(m.maps()).map(Unmap::new));
            gens.add(Gens.elements(m.maps()).map(Unmap::new));
        }
        return Gens.oneOf(gens);
    }

    /** After every step: each grant's busy bits are exactly what its live mappings imply. */
    static void invariant(GrantModel m, Trio t) {
        for (Grant g : m.grants()) {
            boolean reading = m.mapped(g);
            boolean writing = m.maps().stream().anyMatch(x -> x.grant().equals(g) && !x.readOnly());
            int expect = (reading ? GrantFlags.READING : 0) | (writing ? GrantFlags.WRITING : 0);
            assertEquals(expect, t.d[g.granter()].busy(g.ref()), "busy bits of " + g);
        }
    }

    // ------------------------------------------------------------------------------------- actions

    record DoGrant(int granter, int grantee, int frame, boolean readOnly) implements Action<GrantModel, Trio> {
        @Override
        public boolean precondition(GrantModel m) {
            return m.grantsOf(granter) < MAX_GRANTS_PER_DOMAIN;
        }

        @Override
        public void run(Trio t, GrantModel m) {
            t.d[granter].grant(m.freeRef(granter), t.d[grantee].domid(), t.d[granter].data(frame), readOnly);
        }

        @Override
        public GrantModel nextModel(GrantModel m) {
            Grant g = new Grant(granter, m.gens().get(granter), m.freeRef(granter), grantee, m.gens().get(grantee), frame,
                    readOnly);
            return new GrantModel(append(m.grants(), g), m.maps(), m.gens(), m.nextId());
        }
    }

    record DoMap(Grant grant, int mapper, boolean readOnly) implements Action<GrantModel, Trio> {
        @Override
        public boolean precondition(GrantModel m) {
            return m.grants().contains(grant) && m.mapsOf(mapper) < MAX_MAPS_PER_DOMAIN;
        }

        boolean expectOk(GrantModel m) {
            return m.permits(grant, mapper) && (readOnly || !grant.readOnly());
        }

        @Override
        public void run(Trio t, GrantModel m) {
            GrantDomain.Mapped r = t.d[mapper].map(t.d[grant.granter()].domid(), grant.ref(),
                    GntMap.HOST_MAP | (readOnly ? GntMap.READONLY : 0), 0x1000L * (m.nextId() + 1));
            if (expectOk(m)) {
                assertEquals(OKAY, r.status(), "map by the grantee: " + this);
                t.handles.put(m.nextId(), r.handle());
            } else {
                assertTrue(r.status() < 0, "map must fail: " + this + " got " + r.status());
            }
        }

        @Override
        public GrantModel nextModel(GrantModel m) {
            if (!expectOk(m)) {
                return m;
            }
            return new GrantModel(m.grants(), append(m.maps(), new Mapping(m.nextId(), mapper, grant, readOnly)), m.gens(),
                    m.nextId() + 1);
        }
    }

    record Unmap(Mapping mapping) implements Action<GrantModel, Trio> {
        @Override
        public boolean precondition(GrantModel m) {
            return m.maps().contains(mapping);
        }

        @Override
        public void run(Trio t, GrantModel m) {
            int handle = t.handles.get(mapping.id());
            long host = 0x1000L * (mapping.id() + 1);
            assertEquals(OKAY, t.d[mapping.mapper()].unmap(handle, host, 0), "unmap " + this);
            assertEquals(GrantStatus.BAD_HANDLE.code(), t.d[mapping.mapper()].unmap(handle, host, 0), "second unmap");
        }

        @Override
        public GrantModel nextModel(GrantModel m) {
            return new GrantModel(m.grants(), without(m.maps(), mapping), m.gens(), m.nextId());
        }
    }

    record DoCopy(Grant grant, int caller, int length, int offset) implements Action<GrantModel, Trio> {
        @Override
        public boolean precondition(GrantModel m) {
            return m.grants().contains(grant);
        }

        @Override
        public void run(Trio t, GrantModel m) {
            GrantDomain me = t.d[caller];
            long dst = me.data(3);
            short st = me.copy(new GrantDomain.Copy(grant.ref(), t.d[grant.granter()].domid(), offset, dst, DomId.SELF,
                    0, length, GntCopy.SOURCE_GREF))[0];
            boolean ok = length == 0 || m.permits(grant, caller);
            if (!ok) {
                assertTrue(st < 0, "copy by a domain that is not the grantee must fail: " + this + " got " + st);
                return;
            }
            assertEquals(OKAY, st, "copy " + this);
            GuestMemory from = t.d[grant.granter()].mem;
            long src = GuestMemory.gpaOf(t.d[grant.granter()].data(grant.frame())) + offset;
            for (int i = 0; i < length; i++) {
                assertEquals(from.getByte(src + i), me.mem.getByte(GuestMemory.gpaOf(dst) + i), "copied byte " + i);
            }
        }

        @Override
        public GrantModel nextModel(GrantModel m) {
            return m;
        }
    }

    record Revoke(Grant grant) implements Action<GrantModel, Trio> {
        @Override
        public boolean precondition(GrantModel m) {
            return m.grants().contains(grant);
        }

        @Override
        public void run(Trio t, GrantModel m) {
            assertEquals(!m.mapped(grant), t.d[grant.granter()].revoke(grant.ref()),
                    "revoke succeeds exactly when unmapped: " + this);
        }

        @Override
        public GrantModel nextModel(GrantModel m) {
            return m.mapped(grant) ? m : new GrantModel(without(m.grants(), grant), m.maps(), m.gens(), m.nextId());
        }
    }

    record Death(int domain) implements Action<GrantModel, Trio> {
        @Override
        public void run(Trio t, GrantModel m) {
            t.replace(domain);
        }

        @Override
        public GrantModel nextModel(GrantModel m) {
            List<Integer> gens = new ArrayList<>(m.gens());
            gens.set(domain, gens.get(domain) + 1);
            List<Grant> grants = m.grants().stream().filter(g -> g.granter() != domain).toList();
            List<Mapping> maps = m.maps().stream()
                    .filter(x -> x.mapper() != domain && x.grant().granter() != domain).toList();
            return new GrantModel(grants, maps, List.copyOf(gens), m.nextId());
        }
    }

    private static <T> List<T> append(List<T> list, T item) {
        return Stream.concat(list.stream(), Stream.of(item)).toList();
    }

    private static <T> List<T> without(List<T> list, T item) {
        List<T> copy = new ArrayList<>(list);
        copy.remove(item);
        return List.copyOf(copy);
    }
}
