package io.pvkit.conformance.grant;

import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.spi.Capability;
import io.pvkit.conformance.spi.DomainConfig;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import io.pvkit.grant.GrantTableHypercall;
import io.pvkit.grant.GrantTables;
import io.pvkit.grant.MappingLifetime;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * pv-grant as a hypervisor under test: {@link GrantTables} behind {@link GrantTableHypercall}, domains with
 * their grant table in the top 4 frames of their memory. Broken variants override {@link #grantTableOp}
 * or {@link #release}.
 */
class PvGrantHypervisor implements HypervisorUnderTest {
    static final int TABLE_FRAMES = 4;

    final GrantTables tables;
    final GrantTableHypercall hypercall;
    private final List<Dom> live = new ArrayList<>();
    private int nextDomid = 1;
    /** Set by a broken variant that must not free memory its stale mappings still alias. */
    boolean keepMemory;

    /** What pv-grant's error handler received (the kit's {@code unexpectedErrors} hook). */
    private final List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();

    PvGrantHypervisor(MappingLifetime lifetime, int maptrackLimit) {
        this.tables = new GrantTables(lifetime, maptrackLimit, errors::add);
        this.hypercall = new GrantTableHypercall(tables);
    }

    /** @return the exceptions pv-grant's error handler received so far */
    List<Throwable> errors() {
        return List.copyOf(errors);
    }

    /** A planted bug reports what it caught, as pv-grant's catch-all does. */
    void reportError(Throwable t) {
        errors.add(t);
    }

    PvGrantHypervisor() {
        this(MappingLifetime.SHARED, PvGrantConformanceTest.MAPTRACK_LIMIT);
    }

    /** A domain of this hypervisor. */
    final class Dom implements DomainUnderTest {
        final int domid;
        final boolean privileged;
        final GuestMemory memory;

        Dom(int domid, boolean privileged, GuestMemory memory) {
            this.domid = domid;
            this.privileged = privileged;
            this.memory = memory;
        }

        @Override
        public int domid() {
            return domid;
        }

        @Override
        public boolean privileged() {
            return privileged;
        }

        @Override
        public int vcpus() {
            return 1;
        }

        @Override
        public GuestMemory memory() {
            return memory;
        }

        @Override
        public long hypercall(int vcpu, long op, long arg1, long arg2, long arg3, long arg4, long arg5) {
            HypercallContext ctx = HypercallContext.of(domid, vcpu, privileged, memory);
            if (op != io.pvkit.abi.HypercallOp.GRANT_TABLE_OP.number()) {
                return hypercall.hypercall(ctx, op, arg1, arg2, arg3, arg4, arg5);
            }
            return grantTableOp(ctx, arg1, arg2, arg3);
        }
    }

    /**
     * The grant_table_op path, continued as Xen's hypercall_create_continuation does until it is done (a guest
     * never sees a positive result); broken variants override it.
     */
    long grantTableOp(HypercallContext ctx, long cmd, long uops, long count) {
        return io.pvkit.conformance.LibraryGuest.grantTableOpToCompletion(hypercall, ctx, cmd, uops, count);
    }

    /** Finishes the releases pv-grant deferred (views held by in-flight I/O); broken variants override it. */
    void settle() {
        tables.reap();
    }

    /** Releases a dying domain's grant state; broken variants override it. */
    void release(int domid) {
        while (!tables.releaseDomain(domid, 8)) {
            tables.reap();
        }
    }

    Dom dom(int domid) {
        for (Dom d : live) {
            if (d.domid == domid) {
                return d;
            }
        }
        return null;
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.PRIVILEGED_DOMAINS, Capability.SHARED_MEMORY_VIEW);
    }

    /**
     * The accesses pv-grant makes to a domain's grant entries: the kit's view; broken variants wrap it with
     * a bug (a double fetch, an unbounded loop, a frame read too early).
     */
    MemoryAccess entries(MemoryAccess kitView) {
        return kitView;
    }

    @Override
    public DomainUnderTest createDomain(DomainConfig config) {
        GuestMemory mem = GuestMemory.allocate(config.frames());
        int id = nextDomid++;
        tables.addDomain(new DomainSpec(id, mem, 1, config.privileged()), entries(config.sharedView(mem)),
                config.frames() - TABLE_FRAMES, TABLE_FRAMES);
        Dom d = new Dom(id, config.privileged(), mem);
        live.add(d);
        return d;
    }

    @Override
    public void destroyDomain(DomainUnderTest domain) {
        Dom d = (Dom) domain;
        if (live.remove(d)) {
            release(d.domid);
            if (!keepMemory) {
                d.memory.close();
            }
        }
    }

    @Override
    public void close() {
        for (Dom d : List.copyOf(live)) {
            destroyDomain(d);
        }
    }
}
