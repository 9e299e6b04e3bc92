package io.pvkit.hypervisor;

import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How a {@link Hypervisor} reports console output and where domain 0's xenstored listens for tools.
 *
 * @param logDirectory where per-domain console logs ({@code <name>.log}) are appended; null for no log
 *     files
 * @param consoleSink receives every console line as {@code "name| line"} (guest console rings drained by
 *     domain 0, and {@code CONSOLEIO_write}); called from several threads, one line per call, serialised
 *     by the hypervisor
 * @param xenstoreSocket the Unix domain socket xenstored serves tools on (Debian's xenstore-utils with
 *     {@code XENSTORED_PATH=<path>}); null for a private socket in a new temporary directory
 */
public record HypervisorConfig(Path logDirectory, Consumer<String> consoleSink, Path xenstoreSocket) {
    /**
     * Validates the configuration.
     *
     * @param logDirectory the log directory, or null
     * @param consoleSink the sink
     * @param xenstoreSocket the xenstore socket path, or null
     * @throws NullPointerException when {@code consoleSink} is null
     */
    public HypervisorConfig {
        Objects.requireNonNull(consoleSink, "consoleSink");
    }

    /**
     * A configuration whose xenstored listens on a private temporary socket.
     *
     * @param logDirectory the log directory, or null
     * @param consoleSink the sink
     */
    public HypervisorConfig(Path logDirectory, Consumer<String> consoleSink) {
        this(logDirectory, consoleSink, null);
    }

    /**
     * A configuration without log files that drops console lines.
     *
     * @return the configuration
     */
    public static HypervisorConfig quiet() {
        return new HypervisorConfig(null, line -> { });
    }
}
