package io.pvkit.stress.evtchn;

import io.pvkit.abi.DomId;
import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.evtchn.VcpuInfoLayout;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.events.EventChannels;
import io.pvkit.events.UpcallDemultiplexer;
import io.pvkit.events.spi.VcpuKicker;
import java.lang.foreign.Arena;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Races of the 2-level ABI between the hypervisor (pv-events' {@code EventChannels}) and a guest vCPU
 * (pv-events' {@code UpcallDemultiplexer}) on real shared memory.
 */
public final class EventChannelTests {
    private EventChannelTests() {
    }

    /** dom0 and dom1 with one connected channel; dom1's port is neither pending nor masked. */
    static class Channel {
        final GuestMemory dom0 = page();
        final GuestMemory dom1 = page();
        final EventChannels ec = new EventChannels();
        final UpcallDemultiplexer demux;
        final int guestPort;
        final int dom0Port;
        int handled;

        Channel() {
            ec.addDomain(new DomainSpec(0, dom0, 1, true), 0, VcpuKicker.POLLING, 8);
            ec.addDomain(new DomainSpec(1, dom1, 1, false), 0, VcpuKicker.POLLING, 8);
            guestPort = ec.allocUnbound(1, DomId.SELF, 0);
            dom0Port = ec.bindInterdomain(0, 1, guestPort);
            demux = new UpcallDemultiplexer(dom1, 0, 0);
            demux.register(guestPort, p -> handled++);
        }

        static GuestMemory page() {
            return GuestMemory.wrap(Arena.ofAuto().allocate(GuestMemory.PAGE_SIZE, GuestMemory.PAGE_SIZE));
        }

        /** 1 when the event is still owed: pending, its selector bit and upcall_pending all set. */
        int owed() {
            boolean pending = (dom1.getLongVolatile(SharedInfoLayout.EVTCHN_PENDING_OFFSET) & (1L << guestPort)) != 0;
            boolean sel = (dom1.getLongVolatile(VcpuInfoLayout.PENDING_SEL_OFFSET) & 1L) != 0;
            return pending && sel && demux.upcallPending() ? 1 : 0;
        }
    }

    /**
     * The hypervisor sends while the guest runs one upcall. The event is either handled by that upcall
     * or still fully signalled (pending + selector + upcall_pending) for the next one.
     */
    @JCStressTest
    @Outcome(id = "1, 0", expect = Expect.ACCEPTABLE, desc = "the upcall handled the event")
    @Outcome(id = "0, 1", expect = Expect.ACCEPTABLE, desc = "the upcall ran first; the event is signalled for the next one")
    @Outcome(id = "1, 1", expect = Expect.FORBIDDEN, desc = "handled and still owed: one send was delivered twice")
    @Outcome(id = "0, 0", expect = Expect.FORBIDDEN, desc = "lost upcall: neither handled nor signalled")
    @State
    public static class SendVersusScan extends Channel {
        /** The hypervisor side: dom0 sends. */
        @Actor
        public void send() {
            ec.send(0, dom0Port);
        }

        /** The guest vCPU runs one upcall. */
        @Actor
        public void scan() {
            demux.handleUpcall();
        }

        /**
         * After both: handled count, and whether the event is still owed.
         *
         * @param r handled, owed
         */
        @Arbiter
        public void observe(II_Result r) {
            r.r1 = handled;
            r.r2 = owed();
        }
    }

    /** A masked port: the guest unmasks locally (Linux's evtchn_2l_unmask) while the hypervisor sends. */
    static class MaskedChannel extends Channel {
        MaskedChannel() {
            demux.mask(guestPort);
        }

        /** Runs the upcall the guest would run next; records how often the event was handled. */
        void finish(II_Result r) {
            demux.handleUpcall();
            r.r1 = handled;
            r.r2 = owed();
        }
    }

    /** Guest-local unmask versus send: the event is delivered exactly once. */
    @JCStressTest
    @Outcome(id = "1, 0", expect = Expect.ACCEPTABLE, desc = "delivered exactly once")
    @Outcome(id = "1, 1", expect = Expect.FORBIDDEN, desc = "delivered, and still owed: a second delivery would follow")
    @Outcome(id = "0, .*", expect = Expect.FORBIDDEN, desc = "lost: unmask and send both missed the edge")
    @Outcome(id = "2, .*", expect = Expect.FORBIDDEN, desc = "delivered twice")
    @State
    public static class LocalUnmaskVersusSend extends MaskedChannel {
        /** The hypervisor side: dom0 sends. */
        @Actor
        public void send() {
            ec.send(0, dom0Port);
        }

        /** The guest unmasks the port locally. */
        @Actor
        public void unmask() {
            demux.unmask(guestPort);
        }

        /**
         * Runs the next upcall.
         *
         * @param r handled, owed
         */
        @Arbiter
        public void observe(II_Result r) {
            finish(r);
        }
    }

    /** EVTCHNOP_unmask (Xen's evtchn_2l_unmask) versus send: the event is delivered exactly once. */
    @JCStressTest
    @Outcome(id = "1, 0", expect = Expect.ACCEPTABLE, desc = "delivered exactly once")
    @Outcome(id = "1, 1", expect = Expect.FORBIDDEN, desc = "delivered, and still owed: a second delivery would follow")
    @Outcome(id = "0, .*", expect = Expect.FORBIDDEN, desc = "lost: unmask and send both missed the edge")
    @Outcome(id = "2, .*", expect = Expect.FORBIDDEN, desc = "delivered twice")
    @State
    public static class HypercallUnmaskVersusSend extends MaskedChannel {
        /** The hypervisor side: dom0 sends. */
        @Actor
        public void send() {
            ec.send(0, dom0Port);
        }

        /** The guest asks the hypervisor to unmask. */
        @Actor
        public void unmask() {
            ec.unmask(1, guestPort);
        }

        /**
         * Runs the next upcall.
         *
         * @param r handled, owed
         */
        @Arbiter
        public void observe(II_Result r) {
            finish(r);
        }
    }

    /** The channel plus dom2, to which dom1 offers its port number again once it has closed it. */
    static class ReusableChannel extends Channel {
        final GuestMemory dom2 = page();
        int reused = -1;

        ReusableChannel() {
            ec.addDomain(new DomainSpec(2, dom2, 1, false), 0, VcpuKicker.POLLING, 8);
        }

        /** 1 when the reused port (a binding dom0 was never part of) is pending. */
        int reusedPending() {
            return pendingIfReused(guestPort);
        }

        /**
         * @param closed the port number that was closed and should have been offered again
         * @return 1 when the port now at that number is pending, 0 when not, -1 when the number was not reused
         */
        int pendingIfReused(int closed) {
            if (reused != closed) {
                return -1;
            }
            return (dom1.getLongVolatile(SharedInfoLayout.EVTCHN_PENDING_OFFSET) & (1L << reused)) != 0 ? 1 : 0;
        }
    }

    /**
     * dom0 sends (no global lock on the send path) while dom1 closes its end and offers the same port number to
     * dom2. The send either reached the old binding (its pending bit was then cleared by the close) or was
     * dropped on dom0's now unbound port; it never marks the reused port.
     */
    @JCStressTest
    @Outcome(id = "0, 0", expect = Expect.ACCEPTABLE, desc = "delivered before the close, or dropped after it")
    @Outcome(id = "0, 1", expect = Expect.FORBIDDEN, desc = "misdelivery: the send marked the closed and reused port")
    @Outcome(id = ".*, -1", expect = Expect.FORBIDDEN, desc = "the port was not reused (test set-up broken)")
    @State
    public static class SendVersusCloseAndReuse extends ReusableChannel {
        /** The hypervisor side: dom0 sends. */
        @Actor
        public void send(II_Result r) {
            r.r1 = ec.send(0, dom0Port);
        }

        /** dom1 closes its end and offers the lowest free port (the same number) to dom2. */
        @Actor
        public void closeAndReuse() {
            ec.close(1, guestPort);
            reused = ec.allocUnbound(1, DomId.SELF, 2);
        }

        /**
         * After both: whether the reused port is pending.
         *
         * @param r send result, reused port pending
         */
        @Arbiter
        public void observe(II_Result r) {
            r.r2 = reusedPending();
        }
    }

    /** The reusable channel plus an IPI port of dom1 (port 2: port 1 is the channel's). */
    static class ReusableIpi extends ReusableChannel {
        final int ipi = ec.bindIpi(1, 0);

        /** 1 when the reused port number (now an unbound port offered to dom2) is pending. */
        int reusedIpiPending() {
            return pendingIfReused(ipi);
        }
    }

    /**
     * dom1 sends on its IPI port from one vCPU while another closes it and offers the same number to dom2: the close
     * takes only that port's write lock (ChannelLocks.writeLock, whose writer flag and reader count form a Dekker
     * handshake with a full fence), unlike the interdomain close of {@link SendVersusCloseAndReuse}, which takes both
     * ends. The send marked the IPI before the close (which then cleared it) or found the port closed; it never marks
     * the reused port.
     */
    @JCStressTest
    @Outcome(id = {"0, 0", "-22, 0"}, expect = Expect.ACCEPTABLE,
            desc = "delivered before the close (then cleared by it), or refused on the closed port")
    @Outcome(id = ".*, 1", expect = Expect.FORBIDDEN, desc = "misdelivery: the send marked the closed and reused port")
    @Outcome(id = ".*, -1", expect = Expect.FORBIDDEN, desc = "the port was not reused (test set-up broken)")
    @State
    public static class IpiSendVersusCloseAndReuse extends ReusableIpi {
        /** A vCPU of dom1 sends on its IPI port. */
        @Actor
        public void send(II_Result r) {
            r.r1 = ec.send(1, ipi);
        }

        /** Another vCPU of dom1 closes the IPI port and offers the lowest free port (the same number) to dom2. */
        @Actor
        public void closeAndReuse() {
            ec.close(1, ipi);
            reused = ec.allocUnbound(1, DomId.SELF, 2);
        }

        /**
         * After both: whether the reused port is pending.
         *
         * @param r send result, reused port pending
         */
        @Arbiter
        public void observe(II_Result r) {
            r.r2 = reusedIpiPending();
        }
    }

    /**
     * Two threads (two vCPUs) of dom1 allocate a port at the same time: binding changes are serialised by pv-events' binding lock
     * (a CAS to take it, a release store to give it back), so each sees the other's port as taken and they get two
     * different ports. dom1's port 1 is bound (the channel), so the lowest free ones are 2 and 3.
     */
    @JCStressTest
    @Outcome(id = {"2, 3", "3, 2"}, expect = Expect.ACCEPTABLE, desc = "two different ports, lowest free first")
    @Outcome(id = ".*", expect = Expect.FORBIDDEN, desc = "one port given twice or a port skipped: the binding lock did not exclude")
    @State
    public static class AllocVersusAlloc extends Channel {
        /** dom1's vCPU 0 allocates. */
        @Actor
        public void first(II_Result r) {
            r.r1 = ec.allocUnbound(1, DomId.SELF, 0);
        }

        /** dom1's vCPU 1 allocates. */
        @Actor
        public void second(II_Result r) {
            r.r2 = ec.allocUnbound(1, DomId.SELF, 0);
        }
    }
}
