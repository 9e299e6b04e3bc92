package io.pvkit.cli;

import io.pvkit.cli.demo.Demo;
import io.pvkit.cli.demo.DemoPlan;
import io.pvkit.cli.demo.DiskPlan;
import io.pvkit.cli.demo.DemoResult;
import io.pvkit.cli.demo.ProgressView;
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
 * {@code pvkit demo}: boots the reference hypervisor, domain 0 and N reference guests, shows each guest's
 * progress live, and prints a summary. Exit 0 when every guest powered off by itself, 1 otherwise.
 */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        versionProvider = PvkitCommand.Version.class,
        sortOptions = false,
        description = {
            "Boot the reference hypervisor, domain 0 and N reference guests. Each guest plays event-channel "
                    + "ping-pong with dom0's echo service, writes to its console (dom0's console backend logs each "
                    + "guest's lines), then writes, reads back and verifies its disk through its block frontend and "
                    + "dom0's block backend. Shows live progress per guest, then a summary; the image files are "
                    + "re-read and checked byte for byte.",
            "Exit status: 0 every guest powered off by itself with every byte correct; 1 a guest crashed, did not "
                    + "finish or a byte differs; "
                    + "2 bad options."})
final class DemoCommand implements Callable<Integer> {

    /** The most guests one demo boots. */
    static final int MAX_GUESTS = 64;

    @Spec
    private CommandSpec spec;

    @Option(names = "--guests", paramLabel = "N", defaultValue = "2",
            description = "number of reference guests, 1.." + MAX_GUESTS + " (default: ${DEFAULT-VALUE})")
    private int guests;

    @Option(names = "--memory", paramLabel = "SIZE", defaultValue = "4M", converter = Units.MemoryConverter.class,
            description = "memory per guest, e.g. 4M, 16M, 512K (default: 4M)")
    private long memoryBytes;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    private RunLength length = new RunLength();

    /** How long the guests work: a time or a number of ping-pong rounds (exclusive). */
    static final class RunLength {
        @Option(names = "--duration", paramLabel = "TIME", converter = Units.DurationConverter.class,
                description = "how long each guest works, e.g. 5s, 500ms, 2m (default: 5s)")
        Duration duration;

        @Option(names = "--rounds", paramLabel = "N",
                description = "instead of --duration: ping-pong rounds each guest plays")
        Long rounds;
    }

    @Option(names = "--log-dir", paramLabel = "DIR",
            description = "where dom0's console backend writes one log per domain (default: a new temporary directory)")
    private Path logDir;

    @Option(names = "--no-progress", description = "no live progress, only the summary")
    private boolean noProgress;

    @Option(names = "--xenstore-socket", paramLabel = "PATH",
            description = "where dom0's xenstored serves tools while the demo runs "
                    + "(inspect with XENSTORED_PATH=PATH xenstore-ls; default: a private temporary socket)")
    private Path xenstoreSocket;

    @Option(names = "--disk-size", paramLabel = "SIZE", defaultValue = "16M", converter = Units.ByteSizeConverter.class,
            description = "each guest's disk: a sparse image of this size served by dom0's block backend; the guest "
                    + "writes, reads back and verifies it through its block frontend, and the demo re-reads the image "
                    + "file (default: 16M; 0 for guests without a disk)")
    private long diskSize;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "where the disk images go (default: a new temporary directory)")
    private Path diskDir;

    @Option(names = "--keep", description = "keep the disk images after the run")
    private boolean keep;

    @Option(names = "--pattern", paramLabel = "ORDER", defaultValue = "random",
            description = "block order of the disk workload: random or sequential (default: ${DEFAULT-VALUE})")
    private String pattern;

    @Option(names = "--block-size", paramLabel = "SIZE", defaultValue = "16K", converter = Units.ByteSizeConverter.class,
            description = "bytes per block request, a multiple of 512 up to 4M (default: 16K)")
    private long blockSize;

    @Option(names = "--queue-depth", paramLabel = "N", defaultValue = "16",
            description = "block requests in flight per guest, 1..4096 (default: ${DEFAULT-VALUE})")
    private int queueDepth;

    @Option(names = "--passes", paramLabel = "N", defaultValue = "2",
            description = "write+verify passes over each disk, at least 1 (default: ${DEFAULT-VALUE})")
    private long passes;

    @Option(names = "--guests-in-processes",
            description = "run each guest in its own process (pvkit guest --connect, same java and class path) "
                    + "joined to the demo's hypervisor through a Unix socket: sealed memfd memory, hypercalls through "
                    + "mailboxes. Round trips and disk passes come from each guest's exit summary, disk throughput "
                    + "and latency stay in its process")
    private boolean guestsInProcesses;

    /** For picocli. */
    DemoCommand() {
    }

    private DiskPlan diskPlan() {
        if (diskSize == 0) {
            return null;
        }
        if (!pattern.equals("random") && !pattern.equals("sequential")) {
            throw new ParameterException(spec.commandLine(), "--pattern must be random or sequential, not " + pattern);
        }
        try {
            return new DiskPlan(diskSize, diskDir, keep, pattern.equals("sequential"), (int) Math.min(blockSize, 1 << 30),
                    queueDepth, passes);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    @Override
    public Integer call() throws Exception {
        if (guests < 1 || guests > MAX_GUESTS) {
            throw new ParameterException(spec.commandLine(),
                    "--guests must be between 1 and " + MAX_GUESTS + ", not " + guests);
        }
        if (length.rounds != null && (length.rounds < 1 || length.rounds > 1_000_000_000L)) {
            throw new ParameterException(spec.commandLine(),
                    "--rounds must be between 1 and 1000000000, not " + length.rounds);
        }
        Duration duration = length.rounds == null && length.duration == null ? Duration.ofSeconds(5) : length.duration;
        long rounds = length.rounds == null ? 0 : length.rounds;
        DemoPlan plan = new DemoPlan(guests, memoryBytes, duration, rounds, logDir, diskPlan());
        var out = spec.commandLine().getOut();
        ProgressView view = noProgress ? ProgressView.none() : ProgressView.forTerminal(out);
        DemoResult result = new Demo(plan, out, view, xenstoreSocket, guestsInProcesses).run();
        return result.ok() ? PvkitCommand.OK : PvkitCommand.FAILED;
    }
}
