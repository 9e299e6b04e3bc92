package io.pvkit.cli.demo;

import io.pvkit.abi.spi.GuestEntryPoint;
import io.pvkit.guest.GuestOptions;
import io.pvkit.guest.ReferenceGuest;
import io.pvkit.guest.block.BlockStats;

/**
 * One demo guest: the reference guest running the echo workload (event-channel ping-pong with dom0's echo
 * service, progress lines on its console) for the plan's run time or number of rounds.
 *
 * @param guest the reference guest's entry point, which also keeps its statistics
 * @param cmdline what the demo adds to the guest's command line (the builder adds {@code pvkit.name} and
 *     {@code pvkit.echo})
 */
record DemoGuest(ReferenceGuest guest, String cmdline) {

    /**
     * The reference guest for a demo plan.
     *
     * @param plan the plan
     * @param name the domain's name
     * @return the guest
     */
    static DemoGuest reference(DemoPlan plan, String name) {
        GuestOptions.Builder options = GuestOptions.builder();
        if (plan.duration() != null) {
            options.duration(plan.duration());
        } else {
            options.rounds(plan.rounds());
        }
        return new DemoGuest(ReferenceGuest.entryPoint(options.build()),
                plan.disk() == null ? "pvkit.blk=off" : plan.disk().cmdline());
    }

    /**
     * Where the guest's vCPU 0 starts.
     *
     * @return the entry point
     */
    GuestEntryPoint entry() {
        return guest;
    }

    /**
     * Ping-pong round trips the guest completed so far.
     *
     * @return the count
     */
    long roundTrips() {
        return guest.stats().roundTrips();
    }

    /**
     * The block workload's counters (all zero while the guest has no disk).
     *
     * @return the counters
     */
    BlockStats block() {
        return guest.stats().block();
    }
}
