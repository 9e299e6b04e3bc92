package io.pvkit.cli;

import io.pvkit.guest.GuestOptions;
import io.pvkit.guest.GuestState;
import io.pvkit.guest.GuestStats;
import io.pvkit.guest.ReferenceGuest;
import io.pvkit.process.GuestConnection;
import io.pvkit.process.GuestRequest;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code pvkit guest --connect SOCKET}: runs the reference guest in this process, joined to a running pvkit
 * hypervisor ({@code pvkit hypervisor --socket SOCKET}) through pv-process's session socket and mailboxes.
 * Exit 0 when the guest finished its workload and powered off, 1 otherwise.
 */
@Command(name = "guest",
        mixinStandardHelpOptions = true,
        versionProvider = PvkitCommand.Version.class,
        sortOptions = false,
        description = {
            "Run the reference guest as its own process, joined to a running pvkit hypervisor "
                    + "(pvkit hypervisor --socket SOCKET): its memory is a sealed memfd the hypervisor passes over "
                    + "the socket, its hypercalls go through a per-vCPU mailbox. It boots, plays event-channel "
                    + "ping-pong with dom0's echo service, writes its console, runs the block workload when the "
                    + "hypervisor gave it a disk, and powers off.",
            "Exit status: 0 the guest powered off after its workload; 1 it failed or could not join; 2 bad options."})
final class GuestCommand implements Callable<Integer> {

    /** The most vCPUs a guest process may ask for (the mailbox page's limit). */
    static final int MAX_VCPUS = 31;

    @Spec
    private CommandSpec spec;

    @Option(names = "--connect", paramLabel = "SOCKET", required = true,
            description = "the hypervisor's guest socket (pvkit hypervisor --socket SOCKET)")
    private Path socket;

    @Option(names = "--name", paramLabel = "NAME", defaultValue = "guest",
            description = "the name the guest asks for, 1..40 of [A-Za-z0-9._-] (default: ${DEFAULT-VALUE})")
    private String name;

    @Option(names = "--memory", paramLabel = "SIZE", defaultValue = "4M", converter = Units.MemoryConverter.class,
            description = "guest memory, e.g. 4M, 16M, 512K (default: 4M)")
    private long memoryBytes;

    @Option(names = "--vcpus", paramLabel = "N", defaultValue = "1",
            description = "vCPUs asked for, 1.." + MAX_VCPUS + " (the reference guest runs on vCPU 0; default: ${DEFAULT-VALUE})")
    private int vcpus;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    private DemoCommand.RunLength length = new DemoCommand.RunLength();

    /** For picocli. */
    GuestCommand() {
    }

    /**
     * The guest's request, validated.
     *
     * @return what the guest asks the hypervisor for
     */
    GuestRequest request() {
        if (!name.matches("[A-Za-z0-9._-]{1,40}")) {
            throw new ParameterException(spec.commandLine(), "--name must be 1..40 of [A-Za-z0-9._-], not '" + name + "'");
        }
        if (vcpus < 1 || vcpus > MAX_VCPUS) {
            throw new ParameterException(spec.commandLine(), "--vcpus must be between 1 and " + MAX_VCPUS + ", not " + vcpus);
        }
        return new GuestRequest(vcpus, memoryBytes / 4096, name);
    }

    /**
     * The reference guest's options from the command line.
     *
     * @return the options
     */
    GuestOptions options() {
        if (length.rounds != null && (length.rounds < 1 || length.rounds > 1_000_000_000L)) {
            throw new ParameterException(spec.commandLine(),
                    "--rounds must be between 1 and 1000000000, not " + length.rounds);
        }
        GuestOptions.Builder b = GuestOptions.builder();
        if (length.rounds != null) {
            b.rounds(length.rounds);
        } else {
            b.duration(length.duration == null ? Duration.ofSeconds(5) : length.duration);
        }
        return b.build();
    }

    @Override
    public Integer call() throws Exception {
        GuestRequest request = request();
        ReferenceGuest guest = ReferenceGuest.entryPoint(options());
        PrintWriter out = spec.commandLine().getOut();
        try (GuestConnection c = GuestConnection.connect(socket, request)) {
            out.println("pvkit guest " + request.name() + ": joined " + socket + " as domain " + c.domid() + " ("
                    + c.vcpus() + " vCPU" + (c.vcpus() == 1 ? "" : "s") + ", " + c.memory().frames() + " frames, pid "
                    + ProcessHandle.current().pid() + ")");
            out.flush();
            c.run(guest);
        }
        GuestStats s = guest.stats();
        out.println("pvkit guest " + request.name() + ": " + s.state().name().toLowerCase(java.util.Locale.ROOT)
                + ", " + s.roundTrips() + " round trips, " + s.block().passes() + " disk passes, "
                + s.block().blocksVerified() + " blocks verified, " + s.block().verifyMismatches() + " mismatches"
                + (s.failure() != null ? ", failure: " + s.failure() : ""));
        out.flush();
        return s.state() == GuestState.DONE ? PvkitCommand.OK : PvkitCommand.FAILED;
    }
}
