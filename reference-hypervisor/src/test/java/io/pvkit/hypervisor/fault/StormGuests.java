package io.pvkit.hypervisor.fault;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.abi.ring.SharedRingLayout;
import io.pvkit.abi.spi.VcpuStart;
import io.pvkit.hypervisor.MiniGuest;

import java.util.SplittableRandom;

/**
 * Guests that flood domain 0 with notifications. Both connect their console, echo, xenstore and a disk
 * honestly first (so they hold real interdomain channels to domain 0's services and a blkback worker), then,
 * between {@code go} and {@code stop}, notify as fast as one vCPU can. {@link Victims.Workload#progress}
 * counts the notifications sent.
 */
final class StormGuests {
    private StormGuests() {
    }

    /**
     * An event-channel storm: {@code EVTCHNOP_send} round-robin on every port it has (console, echo,
     * xenstore, its blkif queue, a loopback channel to itself, and ports it never bound).
     */
    static final class EventStorm extends Victims.Workload {
        EventStorm(long seed) {
            super(seed, 0);
        }

        @Override
        public void enter(VcpuStart start) {
            MiniGuest g = MiniGuest.boot(start);
            BlkFront blk = new BlkFront(g.memory, g.hc, start.startInfoGpa(), BlkFront.XVDA);
            blk.connect(1);
            long loop = g.hc.allocUnbound(start.self().domid());
            long bound = g.hc.bindInterdomain(start.self().domid(), (int) loop);
            int[] ports = {g.consolePort, g.echoPort, blk.storePort, blk.port, (int) loop, (int) bound, 77, 4000};
            gate();
            int i = 0;
            while (!stop) {
                g.hc.send(ports[i++ & 7]);
                progress.incrementAndGet();
            }
            g.shutdown(ShutdownReason.POWEROFF);
        }
    }

    /**
     * A ring-notification storm: kicks its console, xenstore and blkif ports in a loop while those rings are
     * empty, and every 64th kick on the blkif ring comes with a garbage request (a valid index, a random
     * slot: answered with an error), never more than 16 outstanding.
     */
    static final class RingStorm extends Victims.Workload {
        RingStorm(long seed) {
            super(seed, 0);
        }

        @Override
        public void enter(VcpuStart start) {
            MiniGuest g = MiniGuest.boot(start);
            BlkFront blk = new BlkFront(g.memory, g.hc, start.startInfoGpa(), BlkFront.XVDA);
            blk.connect(1);
            GuestMemory mem = g.memory;
            long ring = GuestMemory.gpaOf(1);
            SplittableRandom rnd = new SplittableRandom(seed);
            int[] ports = {g.consolePort, blk.storePort, blk.port};
            gate();
            long i = 0;
            while (!stop) {
                if ((i & 63) == 0) {
                    int prod = mem.getInt(ring + SharedRingLayout.REQ_PROD_OFFSET);
                    int rsp = mem.getIntAcquire(ring + SharedRingLayout.RSP_PROD_OFFSET);
                    if (prod - rsp >= 0 && prod - rsp < 16) {
                        long slot = ring + SharedRingLayout.HEADER_SIZE + (prod & 31) * 112L;
                        for (int o = 0; o < 112; o += 8) {
                            mem.setLong(slot + o, rnd.nextLong());
                        }
                        mem.setIntRelease(ring + SharedRingLayout.REQ_PROD_OFFSET, prod + 1);
                    }
                }
                g.hc.send(ports[(int) (i++ % ports.length)]);
                progress.incrementAndGet();
            }
            g.shutdown(ShutdownReason.POWEROFF);
        }
    }
}
