package io.pvkit.cli.demo;

import io.pvkit.hypervisor.DiskConfig;
import io.pvkit.hypervisor.Domain;
import io.pvkit.hypervisor.DomainConfig;
import io.pvkit.hypervisor.GuestEvent;
import io.pvkit.hypervisor.GuestPolicy;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.process.GuestListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code pvkit demo --guests-in-processes}: the demo's guests as {@code pvkit guest --connect} child processes
 * of the same java and class path, joined to the demo's hypervisor through a private guest socket. The
 * hypervisor's policy gives each joining guest the command line and disk the in-process demo would give it.
 * A guest's own counters live in its process: what the demo reports of it comes from the hypervisor (state,
 * hypercalls, events, console), from the image file, and from the one summary line the guest process prints
 * when it ends (round trips, disk passes, blocks verified, mismatches).
 */
final class GuestProcesses implements AutoCloseable {
    /** The summary line of {@code pvkit guest}. */
    static final Pattern SUMMARY = Pattern.compile(
            ": (\\w+), (\\d+) round trips, (\\d+) disk passes, (\\d+) blocks verified, (\\d+) mismatches");
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(30);

    /** What one guest process said about itself when it ended. */
    record Summary(String state, long roundTrips, long passes, long blocksVerified, long mismatches) {
    }

    private final Path dir;
    private final Path socket;
    private final GuestListener listener;
    private final Map<String, DomainConfig> configs = new ConcurrentHashMap<>();
    private final Map<String, Domain> joined = new ConcurrentHashMap<>();
    private final List<Process> processes = new ArrayList<>();
    private final Hypervisor hv;

    GuestProcesses(Hypervisor hv, Path logs) throws IOException {
        this.hv = hv;
        this.dir = Files.createTempDirectory("pvkit-demo-sock-");
        this.socket = dir.resolve("guests.sock");
        GuestPolicy policy = request -> {
            DomainConfig c = configs.get(request.name());
            if (c == null) {
                throw new IllegalArgumentException("no demo guest named " + request.name());
            }
            return c;
        };
        this.listener = hv.listenForGuests(socket, policy, e -> {
            if (e.kind() == GuestEvent.Kind.JOINED) {
                hv.domain(e.info().domid()).ifPresent(d -> {
                    synchronized (joined) {
                        joined.put(e.info().name(), d);
                        joined.notifyAll();
                    }
                });
            }
        });
        this.logs = logs;
    }

    private final Path logs;

    /**
     * Starts one guest process and waits until its domain exists.
     *
     * @param name the guest's name
     * @param plan the demo plan (memory, run length)
     * @param cmdline the guest's start_info command-line words
     * @param image its disk image, or null
     * @return the domain of the joined guest
     * @throws IOException when the process cannot start or does not join in time
     * @throws InterruptedException when interrupted while waiting
     */
    Domain start(String name, DemoPlan plan, String cmdline, Path image) throws IOException, InterruptedException {
        DomainConfig c = new DomainConfig(name, plan.memoryFrames(), 1, false, null, cmdline, null);
        configs.put(name, image == null ? c : c.withDisks(List.of(DiskConfig.writable(image))));
        List<String> args = new ArrayList<>(List.of("--memory", Long.toString(plan.memoryFrames() * 4096)));
        if (plan.duration() != null) {
            args.addAll(List.of("--duration", plan.duration().toMillis() + "ms"));
        } else {
            args.addAll(List.of("--rounds", Long.toString(plan.rounds())));
        }
        Process p = GuestProcess.command(socket, name, args).redirectErrorStream(true)
                .redirectOutput(outputOf(name).toFile()).start();
        processes.add(p);
        long until = System.nanoTime() + JOIN_TIMEOUT.toNanos();
        synchronized (joined) {
            while (!joined.containsKey(name)) {
                long left = until - System.nanoTime();
                if (left <= 0 || !p.isAlive() && !joined.containsKey(name)) {
                    throw new IOException("guest process " + name + " did not join within " + JOIN_TIMEOUT
                            + (p.isAlive() ? "" : " (it exited with " + p.exitValue() + "; see " + outputOf(name) + ")"));
                }
                joined.wait(Math.max(1, Math.min(100, TimeUnit.NANOSECONDS.toMillis(left))));
            }
            return joined.get(name);
        }
    }

    /**
     * Where a guest process's output goes.
     *
     * @param name the guest's name
     * @return {@code <logs>/<name>.process.out}
     */
    Path outputOf(String name) {
        return logs.resolve(name + ".process.out");
    }

    /**
     * Waits for every guest process to end (up to {@code timeout} in total; the rest are killed).
     *
     * @param timeout the wait
     * @throws InterruptedException when interrupted
     */
    void awaitExit(Duration timeout) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        for (Process p : processes) {
            if (!p.waitFor(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * The summary line a guest process printed, if it printed one.
     *
     * @param name the guest's name
     * @return the summary, or null
     */
    Summary summary(String name) {
        try {
            String out = Files.readString(outputOf(name), StandardCharsets.UTF_8);
            Matcher m = SUMMARY.matcher(out);
            Summary s = null;
            while (m.find()) {
                s = new Summary(m.group(1), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                        Long.parseLong(m.group(4)), Long.parseLong(m.group(5)));
            }
            return s;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The pattern of the last write pass over an image, from its first block's header (magic, seed, lba 0,
     * block size): a pass covers the whole disk, so {@code blocks = size / blockSize}.
     *
     * @param image the image file
     * @return the pattern, or null when the first block is not one the block workload wrote
     * @throws IOException when the file cannot be read
     */
    static io.pvkit.guest.block.BlockPattern patternOf(Path image) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(image)) {
            java.nio.ByteBuffer h = java.nio.ByteBuffer.allocate(io.pvkit.guest.block.BlockPattern.HEADER_BYTES)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            while (h.hasRemaining() && ch.read(h, h.position()) > 0) {
                // read the header
            }
            if (h.hasRemaining() || h.getLong(0) != io.pvkit.guest.block.BlockPattern.MAGIC || h.getLong(16) != 0) {
                return null;
            }
            int blockSize = h.getInt(24);
            if (blockSize < 512 || blockSize % 512 != 0 || blockSize > ch.size()) {
                return null;
            }
            return new io.pvkit.guest.block.BlockPattern(h.getLong(8), blockSize, ch.size() / blockSize);
        }
    }

    /** The hypervisor's session count is checked by the demo's resource counts; this stops accepting. */
    @Override
    public void close() {
        listener.close();
        for (Process p : processes) {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
        try {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a temporary directory left behind
        }
        hv.counts(); // nothing else to release here: the hypervisor destroys each domain when its process ends
    }
}
