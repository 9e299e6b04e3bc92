package io.pvkit.cli.demo;

import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.hypervisor.Domain;
import io.pvkit.hypervisor.DiskConfig;
import io.pvkit.hypervisor.DomainConfig;
import io.pvkit.guest.block.BlockPattern;
import io.pvkit.guest.block.BlockStats;
import io.pvkit.hypervisor.DomainInfo;
import io.pvkit.hypervisor.DomainState;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.HypervisorConfig;
import io.pvkit.hypervisor.MemoryBacking;
import io.pvkit.hypervisor.ResourceCounts;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One run of {@code pvkit demo}: starts the reference hypervisor (which starts dom0 and its console and
 * echo services), builds the guests with the reference guest as their entry point, samples every guest's
 * counters for the live view until each has shut down (or the plan's deadline passes), destroys the guests,
 * checks that every resource came back, and prints the summary.
 */
public final class Demo {

    private final DemoPlan plan;
    private final PrintWriter out;
    private final ProgressView view;
    private final Path xenstoreSocket;
    private final boolean guestsInProcesses;

    /**
     * A demo run.
     *
     * @param plan what to run
     * @param out where the progress and the summary go
     * @param view how live progress is shown
     */
    public Demo(DemoPlan plan, PrintWriter out, ProgressView view) {
        this(plan, out, view, null);
    }

    /**
     * A demo run whose xenstored serves tools on a given socket while it runs.
     *
     * @param plan what to run
     * @param out where the progress and the summary go
     * @param view how live progress is shown
     * @param xenstoreSocket the xenstore tools socket, or null for a private temporary one
     */
    public Demo(DemoPlan plan, PrintWriter out, ProgressView view, Path xenstoreSocket) {
        this(plan, out, view, xenstoreSocket, false);
    }

    /**
     * A demo run whose guests may run in their own processes ({@code pvkit guest --connect} children of the
     * same java and class path, joined through a private guest socket; see {@link GuestProcesses}).
     *
     * @param plan what to run
     * @param out where the progress and the summary go
     * @param view how live progress is shown
     * @param xenstoreSocket the xenstore tools socket, or null for a private temporary one
     * @param guestsInProcesses whether each guest runs in its own process
     */
    public Demo(DemoPlan plan, PrintWriter out, ProgressView view, Path xenstoreSocket, boolean guestsInProcesses) {
        this.plan = plan;
        this.out = out;
        this.view = view;
        this.xenstoreSocket = xenstoreSocket;
        this.guestsInProcesses = guestsInProcesses;
    }

    /** A guest being run: its handle, its workload's counters, its previous sample. */
    private static final class Running {
        final Domain domain;
        /** The in-process guest, or null for a guest process (its counters live in its process). */
        final DemoGuest guest;
        GuestProcesses.Summary summary;
        final Path image;
        long lastHypercalls;
        long lastEvents;
        long lastRequests;
        long lastBytes;
        long lastNanos;

        /** Round trips so far; a guest process's only once it ended (its summary), -1 before. */
        long roundTrips() {
            if (guest != null) {
                return guest.roundTrips();
            }
            return summary == null ? -1 : summary.roundTrips();
        }

        Running(Domain domain, DemoGuest guest, Path image, long now) {
            this.domain = domain;
            this.guest = guest;
            this.image = image;
            this.lastNanos = now;
        }
    }

    /**
     * Runs the demo and prints its summary.
     *
     * @return the outcome
     * @throws IOException when the log directory cannot be created
     * @throws InterruptedException when interrupted while waiting for the guests
     */
    public DemoResult run() throws IOException, InterruptedException {
        Path logs = plan.logDir() != null ? Files.createDirectories(plan.logDir())
                : Files.createTempDirectory("pvkit-demo-");
        ConsoleTally console = new ConsoleTally();
        out.println("pvkit demo: hypervisor, dom0 (console and echo services) and " + plan.describe());
        out.println("console logs: " + logs);
        out.flush();
        List<GuestReport> reports = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        try (DiskImages images = plan.disk() == null ? null : new DiskImages(plan.disk());
             Hypervisor hv = Hypervisor.start(new HypervisorConfig(logs, console, xenstoreSocket))) {
            if (images != null) {
                out.println("disk images: " + images.dir() + (plan.disk().keep() ? " (kept)" : " (deleted at the end; --keep keeps them)"));
                out.flush();
            }
            if (xenstoreSocket != null) {
                out.println("xenstore: XENSTORED_PATH=" + hv.xenstoreSocket() + " xenstore-ls");
                out.flush();
            }
            ResourceCounts before = hv.counts();
            List<Running> guests = new ArrayList<>();
            GuestProcesses processes = guestsInProcesses ? new GuestProcesses(hv, logs) : null;
            if (processes != null) {
                out.println("guests in their own processes: pvkit guest --connect, output in " + logs + "/<guest>.process.out");
                out.flush();
            }
            try {
            for (int i = 1; i <= plan.guests(); i++) {
                String name = "guest" + i;
                DemoGuest guest = DemoGuest.reference(plan, name);
                try {
                    Path image = images == null ? null : images.create(name);
                    if (processes != null) {
                        Domain d = processes.start(name, plan, guest.cmdline(), image);
                        guests.add(new Running(d, null, image, System.nanoTime()));
                        continue;
                    }
                    DomainConfig config = new DomainConfig(name, plan.memoryFrames(), 1, false, guest.entry(),
                            guest.cmdline(), new MemoryBacking.Arena());
                    if (image != null) {
                        config = config.withDisks(List.of(DiskConfig.writable(image)));
                    }
                    Domain d = hv.createDomain(config);
                    guests.add(new Running(d, guest, image, System.nanoTime()));
                } catch (RuntimeException | IOException e) {
                    problems.add("could not build " + name + ": " + e.getMessage());
                    break;
                }
            }
            long start = System.nanoTime();
            long deadline = start + plan.deadline().toNanos();
            while (true) {
                Thread.sleep(view.interval().toMillis());
                List<GuestRow> rows = sample(guests);
                Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
                if (allDone(guests) || System.nanoTime() - deadline > 0) {
                    view.finish(rows, elapsed);
                    break;
                }
                view.show(rows, elapsed);
            }
            if (processes != null) {
                processes.awaitExit(Duration.ofSeconds(10)); // each prints its summary line as it ends
                for (Running r : guests) {
                    r.summary = processes.summary(r.domain.info().name());
                }
            }
            List<GuestReport> early = new ArrayList<>();
            for (Running r : guests) {
                early.add(report(r, console));
            }
            for (Running r : guests) {
                hv.destroyDomain(r.domain.domid());
            }
            for (int i = 0; i < guests.size(); i++) {
                reports.add(withDisk(early.get(i), guests.get(i)));   // the image files, read after the backend let go
            }
            ResourceCounts after = awaitCounts(hv, before);
            if (!after.equals(before)) {
                problems.add("resources still held after every guest was destroyed: " + before + " before, "
                        + after + " after");
            }
            } finally {
                if (processes != null) {
                    processes.close();
                }
            }
        }
        DemoResult result = new DemoResult(reports, problems);
        out.println();
        for (String line : result.summary()) {
            out.println(line);
        }
        out.flush();
        return result;
    }

    private static boolean allDone(List<Running> guests) {
        for (Running r : guests) {
            DomainState s = r.domain.info().state();
            if (s == DomainState.RUNNING || s == DomainState.BLOCKED) {
                return false;
            }
        }
        return true;
    }

    private static List<GuestRow> sample(List<Running> guests) {
        List<GuestRow> rows = new ArrayList<>(guests.size());
        for (Running r : guests) {
            DomainInfo info = r.domain.info();
            long now = System.nanoTime();
            long events = info.eventsSent() + info.eventsDelivered();
            double seconds = Math.max(1e-3, (now - r.lastNanos) / 1e9);
            long hcRate = Math.round((info.hypercalls() - r.lastHypercalls) / seconds);
            long evRate = Math.round((events - r.lastEvents) / seconds);
            r.lastHypercalls = info.hypercalls();
            r.lastEvents = events;
            r.lastNanos = now;
            rows.add(new GuestRow(info.name(), stateText(info), hcRate, evRate, r.roundTrips(), diskRow(r, seconds)));
        }
        return rows;
    }

    private static GuestRow.DiskRow diskRow(Running r, double seconds) {
        if (r.image == null || r.guest == null) {
            return null;
        }
        BlockStats b = r.guest.block();
        long requests = b.requests();
        long bytes = b.bytes();
        GuestRow.DiskRow row = new GuestRow.DiskRow(Math.round((requests - r.lastRequests) / seconds),
                (bytes - r.lastBytes) / seconds / 1e6, b.p50Nanos() / 1e3, b.p99Nanos() / 1e3,
                b.notificationsPerRequest());
        r.lastRequests = requests;
        r.lastBytes = bytes;
        return row;
    }

    /** Adds the disk's figures and the direct check of its image file to a guest's report. */
    private static GuestReport withDisk(GuestReport g, Running r) {
        if (r.image == null) {
            return g;
        }
        if (r.guest == null) {
            return withProcessDisk(g, r);
        }
        BlockStats b = r.guest.block();
        BlockPattern pattern = b.pattern();
        String problem = g.problem();
        BlockPattern.ImageCheck check = new BlockPattern.ImageCheck(0, 0, -1);
        if (pattern == null) {
            problem = problem != null ? problem : "completed no write+verify pass on its disk";
        } else {
            try {
                check = pattern.verifyImage(r.image);
            } catch (IOException e) {
                problem = problem != null ? problem : "cannot read its image file " + r.image + ": " + e;
            }
        }
        if (problem == null && b.verifyMismatches() > 0) {
            problem = "read back " + b.verifyMismatches() + " wrong blocks through its block device";
        }
        if (problem == null && !check.ok()) {
            problem = "its image file differs from the data it wrote: " + check.blocksDiffering()
                    + " blocks, the first byte at offset " + check.firstDifference();
        }
        GuestReport.DiskReport disk = new GuestReport.DiskReport(r.image.toString(), b.passes(), b.blocksVerified(),
                b.bytes(), b.megabytesPerSecond(), b.iops(), b.p50Nanos() / 1e3, b.p99Nanos() / 1e3,
                b.notificationsPerRequest(), b.verifyMismatches(), check.blocksChecked(), check.blocksDiffering());
        return new GuestReport(g.name(), g.domid(), g.finalState(), g.shutdownReason(), g.rounds(), g.events(),
                g.hypercalls(), g.consoleLines(), problem, disk);
    }

    /**
     * A guest process's disk: its pass counts from its summary line, the image file checked against the pattern
     * its blocks name (each block's header carries the pass's seed and block size); throughput and latency stay
     * in the guest's process (reported as 0).
     */
    private static GuestReport withProcessDisk(GuestReport g, Running r) {
        String problem = g.problem();
        GuestProcesses.Summary s = r.summary;
        BlockPattern.ImageCheck check = new BlockPattern.ImageCheck(0, 0, -1);
        try {
            BlockPattern pattern = GuestProcesses.patternOf(r.image);
            if (pattern == null) {
                problem = problem != null ? problem : "its image file holds no block it wrote";
            } else {
                check = pattern.verifyImage(r.image);
            }
        } catch (IOException e) {
            problem = problem != null ? problem : "cannot read its image file " + r.image + ": " + e;
        }
        if (problem == null && (s == null || s.passes() == 0)) {
            problem = "completed no write+verify pass on its disk";
        }
        if (problem == null && s.mismatches() > 0) {
            problem = "read back " + s.mismatches() + " wrong blocks through its block device";
        }
        if (problem == null && !check.ok()) {
            problem = "its image file differs from the data it wrote: " + check.blocksDiffering()
                    + " blocks, the first byte at offset " + check.firstDifference();
        }
        GuestReport.DiskReport disk = new GuestReport.DiskReport(r.image.toString(), s == null ? 0 : s.passes(),
                s == null ? 0 : s.blocksVerified(), 0, 0, 0, 0, 0, 0, s == null ? 0 : s.mismatches(),
                check.blocksChecked(), check.blocksDiffering());
        return new GuestReport(g.name(), g.domid(), g.finalState(), g.shutdownReason(), g.rounds(), g.events(),
                g.hypercalls(), g.consoleLines(), problem, disk);
    }

    private static String stateText(DomainInfo info) {
        String s = info.state().name().toLowerCase(Locale.ROOT);
        if (info.shutdownReason() != null) {
            s += "(" + info.shutdownReason().name().toLowerCase(Locale.ROOT) + ")";
        }
        if (info.crash() != null) {
            s += " crashed";
        }
        return s;
    }

    private GuestReport report(Running r, ConsoleTally console) {
        DomainInfo info = r.domain.info();
        ShutdownReason reason = info.shutdownReason();
        String problem = null;
        if (info.crash() != null) {
            problem = "crashed: " + info.crash();
        } else if (info.state() == DomainState.RUNNING || info.state() == DomainState.BLOCKED) {
            problem = "did not finish within " + DemoPlan.formatDuration(plan.deadline()) + " (still "
                    + info.state().name().toLowerCase(Locale.ROOT) + ")";
        } else if (reason != ShutdownReason.POWEROFF) {
            problem = "shut down with reason " + (reason == null ? "none" : reason.name().toLowerCase(Locale.ROOT))
                    + ", not poweroff";
        } else if (r.roundTrips() == 0) {
            problem = "powered off without a single round trip";
        } else if (r.roundTrips() < 0) {
            problem = "its process printed no summary";
        }
        return new GuestReport(info.name(), info.domid(), info.state().name().toLowerCase(Locale.ROOT),
                reason == null ? null : reason.name().toLowerCase(Locale.ROOT), Math.max(0, r.roundTrips()),
                info.eventsSent() + info.eventsDelivered(), info.hypercalls(), console.lines(info.name()), problem);
    }

    /** Destroy may finish releasing asynchronously; give it a moment before comparing the counts. */
    private static ResourceCounts awaitCounts(Hypervisor hv, ResourceCounts expected) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        ResourceCounts now = hv.counts();
        while (!now.equals(expected) && System.nanoTime() - until < 0) {
            Thread.sleep(20);
            now = hv.counts();
        }
        return now;
    }
}
