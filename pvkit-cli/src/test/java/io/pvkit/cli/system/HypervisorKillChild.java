package io.pvkit.cli.system;

import io.pvkit.guest.ConsoleVerbosity;
import io.pvkit.guest.GuestOptions;
import io.pvkit.guest.ReferenceGuest;
import io.pvkit.hypervisor.DiskConfig;
import io.pvkit.hypervisor.Domain;
import io.pvkit.hypervisor.DomainConfig;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.HypervisorConfig;
import io.pvkit.hypervisor.MemoryBacking;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The hypervisor process that {@link HypervisorKillDurabilityTest} kills: the real reference {@link Hypervisor} (domain 0,
 * xenstored, blkback over the image files) with one in-process guest per image running {@link StampWorkload}:
 * it reads every block back (what the previous, killed, hypervisor left), then writes until it is killed.
 * Every workload line goes to standard output as {@code <guest> <line>}, written (and flushed into the pipe)
 * before the guest goes on, so an acknowledgement the test reads happened.
 *
 * <p>Arguments: {@code seed maxWrites} then per guest {@code name image firstGen flushEvery}. The hypervisor
 * starts at once; the guests (and with them blkback, which opens the image files) only when the line {@code go}
 * arrives on standard input, so that the test can start the next hypervisor while the previous one still runs
 * and let it touch the disks only after the previous one is dead. The process halts when its standard input
 * closes (the test JVM went away), so that no child outlives a failed test.
 */
public final class HypervisorKillChild {
    /** The guests write blocks {@code [0, 224)} only: the rest of a 256-block disk keeps its initial fill. */
    static final long WRITE_BLOCKS = 224;

    private HypervisorKillChild() {
    }

    /**
     * Runs the hypervisor and its guests.
     *
     * @param args see the class description
     * @throws Exception when the hypervisor fails
     */
    public static void main(String[] args) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                for (String l = in.readLine(); l != null; l = in.readLine()) {
                    if (l.equals("go")) {
                        go.countDown();
                    }
                }
            } catch (IOException e) {
                // treat as end of input
            }
            Runtime.getRuntime().halt(3);
        });
        PrintStream out = System.out;
        long jvmStart = ProcessHandle.current().info().startInstant().map(i -> i.toEpochMilli()).orElse(0L);
        out.println("# main " + (System.currentTimeMillis() - jvmStart));
        long seed = Long.parseLong(args[0]);
        long maxWrites = Long.parseLong(args[1]);
        // a generous start timeout: on a loaded machine domain 0 of a child JVM can need more than the default 5 s
        try (Hypervisor hv = Hypervisor.start(HypervisorConfig.quiet().withServiceTimeout(java.time.Duration.ofSeconds(60)))) {
            out.println("# hypervisor " + (System.currentTimeMillis() - jvmStart));
            go.await();
            long goAt = System.currentTimeMillis();
            List<Domain> domains = new ArrayList<>();
            for (int i = 2; i + 3 < args.length + 1; i += 4) {
                String name = args[i];
                Path image = Path.of(args[i + 1]);
                long firstGen = Long.parseLong(args[i + 2]);
                int flushEvery = Integer.parseInt(args[i + 3]);
                boolean[] first = {true};
                StampWorkload w = new StampWorkload(new StampWorkload.Plan(true, firstGen, maxWrites, flushEvery, 8, 2,
                        seed + i, WRITE_BLOCKS), line -> {
                            synchronized (out) {
                                if (first[0]) {
                                    first[0] = false;
                                    out.println("# connected " + (System.currentTimeMillis() - goAt) + " after go");
                                }
                                out.println(name + " " + line);
                                out.flush();
                            }
                        });
                ReferenceGuest g = ReferenceGuest.entryPoint(GuestOptions.builder().workload(w)
                        .verbosity(ConsoleVerbosity.QUIET).build());
                domains.add(hv.createDomain(new DomainConfig(name, 1024, 1, false, g, "pvkit.blk=off",
                        new MemoryBacking.Arena()).withDisks(List.of(DiskConfig.writable(image)))));
            }
            for (Domain d : domains) {
                d.awaitShutdown(Duration.ofMinutes(5));
                synchronized (out) {
                    out.println(d.info().name() + " END " + d.info().shutdownReason() + " " + d.info().crash());
                    out.flush();
                }
            }
        }
    }
}
