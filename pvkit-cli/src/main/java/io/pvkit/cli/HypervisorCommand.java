package io.pvkit.cli;

import io.pvkit.hypervisor.DiskConfig;
import io.pvkit.hypervisor.DomainConfig;
import io.pvkit.hypervisor.GuestEvent;
import io.pvkit.hypervisor.GuestPolicy;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.HypervisorConfig;
import io.pvkit.process.GuestListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.StandardOpenOption;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code pvkit hypervisor --socket SOCKET}: starts the reference hypervisor and domain 0, and waits for guest
 * processes ({@code pvkit guest --connect SOCKET}); prints each guest's join and leave. Runs until killed
 * (or for {@code --for TIME}, or until {@code --exit-after N} guests have left).
 */
@Command(name = "hypervisor",
        mixinStandardHelpOptions = true,
        versionProvider = PvkitCommand.Version.class,
        sortOptions = false,
        description = {
            "Start the reference hypervisor and domain 0 (xenstored, console, echo and block backends) and wait for "
                    + "guests that run in their own processes: pvkit guest --connect SOCKET. Each guest gets a domain "
                    + "in a sealed memfd and a mailbox for its hypercalls; its console lines are printed as "
                    + "'name| line'. Prints each guest's join and leave (with how it ended). Runs until interrupted.",
            "Exit status: 0 stopped normally; 1 the hypervisor failed, or SOCKET is in use or not a socket; 2 bad options;"
                    + " 143/130 stopped by SIGTERM/SIGINT (the socket is removed)."})
final class HypervisorCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--socket", paramLabel = "SOCKET", required = true,
            description = "where guests connect (a Unix socket; removed at exit, also on SIGTERM/SIGINT; a socket file "
                    + "nobody listens on, left by a killed hypervisor, is replaced; one in use is refused)")
    private Path socket;

    @Option(names = "--log-dir", paramLabel = "DIR",
            description = "where dom0's console backend writes one log per domain (default: none)")
    private Path logDir;

    @Option(names = "--disk-dir", paramLabel = "DIR",
            description = "give each guest a writable disk DIR/<name>.img: an existing one is served as it is (never "
                    + "truncated or resized), a missing one is created sparse with --disk-size")
    private Path diskDir;

    @Option(names = "--disk-size", paramLabel = "SIZE", defaultValue = "16M", converter = Units.ByteSizeConverter.class,
            description = "size of a disk image it creates (default: 16M)")
    private long diskSize;

    @Option(names = "--guest-cmdline", paramLabel = "WORDS", defaultValue = "",
            description = "extra start_info command-line words for every guest (e.g. the block workload's pvkit.blk.*)")
    private String guestCmdline;

    @Option(names = "--for", paramLabel = "TIME", converter = Units.DurationConverter.class,
            description = "stop after this long (default: run until interrupted)")
    private Duration runFor;

    @Option(names = "--service-timeout", paramLabel = "TIME", converter = Units.DurationConverter.class,
            description = "how long domain 0's services may take to start before the hypervisor gives up (default: 5s; "
                    + "raise it on a heavily loaded machine)")
    private Duration serviceTimeout;

    @Option(names = "--exit-after", paramLabel = "N",
            description = "stop once N guests have left (default: never)")
    private Integer exitAfter;

    /** For picocli. */
    HypervisorCommand() {
    }

    /**
     * The policy: what each guest asked for, its disk when {@code --disk-dir} is set, the extra command line. An
     * image that exists already (an earlier run's, perhaps one that was killed) is served as it is: never
     * truncated, recreated or resized; a missing one is created sparse with {@code --disk-size}.
     *
     * @param note receives one line per disk handed out (new or existing)
     * @return the policy
     */
    GuestPolicy policy(Consumer<String> note) {
        return request -> {
            DomainConfig c = GuestPolicy.asRequested().configFor(request);
            c = new DomainConfig(c.name(), c.memoryFrames(), c.vcpus(), false, null, guestCmdline.strip(), null);
            if (diskDir != null) {
                Path image = diskDir.resolve(c.name() + ".img");
                try {
                    Files.createDirectories(diskDir);
                    try (FileChannel f = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                        f.write(ByteBuffer.allocate(1), diskSize - 1);
                        note.accept("pvkit hypervisor: guest " + c.name() + " gets a new disk " + image + " (" + diskSize
                                + " bytes)");
                    } catch (FileAlreadyExistsException e) {
                        note.accept("pvkit hypervisor: guest " + c.name() + " gets the existing disk " + image + " ("
                                + Files.size(image) + " bytes; --disk-size applies only to new images)");
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                c = c.withDisks(List.of(DiskConfig.writable(image)));
            }
            return c;
        };
    }

    @Override
    @SuppressWarnings("try") // the listener is held open for the run; closed (stops accepting) at the end
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (serviceTimeout != null && (serviceTimeout.compareTo(Duration.ofMillis(1)) < 0
                || serviceTimeout.compareTo(HypervisorConfig.MAX_SERVICE_TIMEOUT) > 0)) {
            throw new ParameterException(spec.commandLine(), "--service-timeout must be from 1ms to "
                    + HypervisorConfig.MAX_SERVICE_TIMEOUT.toMinutes() + "m, not " + serviceTimeout);
        }
        try {
            String stale = HypervisorSocket.claim(socket);
            if (stale != null) {
                out.println(stale);
                out.flush();
            }
        } catch (HypervisorSocket.Refused e) {
            err.println("pvkit hypervisor: " + e.getMessage());
            err.flush();
            return PvkitCommand.FAILED;
        }
        int limit = exitAfter == null ? Integer.MAX_VALUE : Math.max(1, exitAfter);
        CountDownLatch left = new CountDownLatch(limit == Integer.MAX_VALUE ? 1 : limit);
        Object lock = new Object();
        Object boundKey = null;
        Thread hook = null;
        HypervisorConfig config = new HypervisorConfig(logDir, line -> {
            synchronized (lock) {
                out.println(line);
                out.flush();
            }
        });
        if (serviceTimeout != null) {
            config = config.withServiceTimeout(serviceTimeout);
        }
        try (Hypervisor hv = Hypervisor.start(config);
             GuestListener listener = hv.listenForGuests(socket, policy(line -> {
                 synchronized (lock) {
                     out.println(line);
                     out.flush();
                 }
             }), e -> {
                 synchronized (lock) {
                     out.println(describe(e));
                     out.flush();
                 }
                 if (e.kind() == GuestEvent.Kind.LEFT && limit != Integer.MAX_VALUE) {
                     left.countDown();
                 }
             })) {
            // the socket is ours from here: remove it at exit, also on SIGTERM/SIGINT (kill -9 runs no hook; the next
            // start replaces the file then)
            Object key = HypervisorSocket.fileKey(socket);
            boundKey = key;
            hook = Thread.ofPlatform().name("pvkit-hypervisor-socket").unstarted(() -> {
                if (HypervisorSocket.release(socket, key)) {
                    synchronized (lock) {
                        out.println("pvkit hypervisor: stopped by a signal; removed " + socket);
                        out.flush();
                    }
                }
            });
            Runtime.getRuntime().addShutdownHook(hook);
            synchronized (lock) {
                out.println("pvkit hypervisor: domain 0 is up; waiting for guests on " + socket
                        + " (pvkit guest --connect " + socket + ")");
                out.flush();
            }
            if (runFor != null) {
                left.await(runFor.toNanos(), TimeUnit.NANOSECONDS);
            } else {
                left.await();
            }
            synchronized (lock) {
                out.println("pvkit hypervisor: stopping; " + hv.counts());
                out.flush();
            }
        } finally {
            if (hook != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // the JVM is shutting down: the hook runs
                }
            }
            if (hook != null) {   // bound by this process (else the file, if any, is someone else's)
                HypervisorSocket.release(socket, boundKey);
            }
        }
        return PvkitCommand.OK;
    }

    static String describe(GuestEvent e) {
        var i = e.info();
        if (e.kind() == GuestEvent.Kind.JOINED) {
            return "pvkit hypervisor: guest " + i.name() + " joined as domain " + i.domid();
        }
        return "pvkit hypervisor: guest " + i.name() + " (domain " + i.domid() + ") left: "
                + (i.shutdownReason() == null ? "no shutdown" : i.shutdownReason().name().toLowerCase(Locale.ROOT))
                + ", " + i.hypercalls() + " hypercalls (" + e.reason() + ")";
    }
}
