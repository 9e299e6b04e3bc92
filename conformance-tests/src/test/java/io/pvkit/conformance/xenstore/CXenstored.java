package io.pvkit.conformance.xenstore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Xen's own C xenstored (Debian {@code xen-utils-4.17}: {@code /usr/lib/xen-4.17/bin/xenstored}) started without
 * a hypervisor: {@code xenstored -N} under the kit's {@code LD_PRELOAD} shim ({@code src/test/c/xenstored_shim.c},
 * built here with gcc against libxen-dev), serving its Unix socket from a private {@code XENSTORED_RUNDIR}.
 */
final class CXenstored implements XenstoreUnderTest {

    /** Where Debian installs the daemon. */
    static final Path DAEMON = Path.of("/usr/lib/xen-4.17/bin/xenstored");
    private static final Path SHIM_SOURCE = Path.of("src/test/c/xenstored_shim.c");
    private static final Path SHIM = Path.of("target/xenstored-shim/xenstored_shim.so");

    private final Path dir;
    private final Process process;

    private CXenstored(Path dir, Process process) {
        this.dir = dir;
        this.process = process;
    }

    /**
     * Whether the daemon and a C compiler are installed.
     *
     * @return true when the calibration can run on this machine
     */
    static boolean available() {
        return Files.isExecutable(DAEMON) && Files.exists(Path.of("/usr/include/xenctrl.h"));
    }

    /** Builds the shim once per JVM (gcc, -Werror). */
    static synchronized Path shim() throws IOException, InterruptedException {
        if (Files.exists(SHIM) && Files.getLastModifiedTime(SHIM).compareTo(Files.getLastModifiedTime(SHIM_SOURCE)) > 0) {
            return SHIM;
        }
        Files.createDirectories(SHIM.getParent());
        Process gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-Werror",
                "-o", SHIM.toString(), SHIM_SOURCE.toString(), "-ldl").redirectErrorStream(true).start();
        String out = new String(gcc.getInputStream().readAllBytes());
        if (gcc.waitFor() != 0) {
            throw new IOException("gcc failed to build the xenstored shim:\n" + out);
        }
        return SHIM;
    }

    /**
     * Starts a fresh daemon in a new temporary directory and waits for its socket.
     *
     * @return the running daemon
     * @throws Exception when it does not come up within 10 s
     */
    static CXenstored start() throws Exception {
        Path shim = shim().toAbsolutePath();
        Path dir = Files.createTempDirectory("pvkit-cxenstored");
        Path run = Files.createDirectories(dir.resolve("run"));
        Path shimDir = Files.createDirectories(dir.resolve("shim"));
        List<String> cmd = new ArrayList<>(List.of(DAEMON.toString(), "-N"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("xenstored.log").toFile());
        pb.environment().put("LD_PRELOAD", shim.toString());
        pb.environment().put("PVKIT_XS_SHIM_DIR", shimDir.toString());
        pb.environment().put("XENSTORED_RUNDIR", run.toString());
        pb.environment().put("XENSTORED_PATH", run.resolve("socket").toString());
        Process p = pb.start();
        CXenstored d = new CXenstored(dir, p);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        // the socket file appears at bind(), before listen(): wait until a connection is accepted
        while (!accepts(d.socketPath())) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                String log = Files.readString(dir.resolve("xenstored.log"));
                d.close();
                throw new IOException("xenstored did not open its socket (exit " + (p.isAlive() ? "none" : p.exitValue())
                        + "):\n" + log);
            }
            Thread.sleep(10);
        }
        return d;
    }

    private static boolean accepts(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.connect(java.net.UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public Path socketPath() {
        return dir.resolve("run/socket");
    }

    /**
     * Whether the daemon process is still running (the kit's malformed-message checks may crash it).
     *
     * @return true while alive
     */
    boolean alive() {
        return process.isAlive();
    }

    /**
     * The daemon's own output so far.
     *
     * @return the log text
     * @throws IOException when it cannot be read
     */
    String log() throws IOException {
        return Files.readString(dir.resolve("xenstored.log"));
    }

    @Override
    public void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
