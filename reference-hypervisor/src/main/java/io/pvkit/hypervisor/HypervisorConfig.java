package io.pvkit.hypervisor;

import java.nio.file.Path;
import java.time.Duration;
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
 * @param serviceTimeout the longest {@link Hypervisor#start} waits for domain 0's services (xenstored, the
 *     console, echo and block backends) to come up before it fails; {@link #DEFAULT_SERVICE_TIMEOUT} unless
 *     set with {@link #withServiceTimeout}. A heavily loaded machine (many JVMs on few cores) may need more.
 *     The waits at destroy are bounded by {@link Hypervisor#SERVICE_TIMEOUT} whatever this says.
 */
public record HypervisorConfig(Path logDirectory, Consumer<String> consoleSink, Path xenstoreSocket,
        Duration serviceTimeout) {
    /** The service timeout a configuration has unless it says otherwise: 5 seconds. */
    public static final Duration DEFAULT_SERVICE_TIMEOUT = Duration.ofSeconds(5);
    /** The longest service timeout accepted: 10 minutes. */
    public static final Duration MAX_SERVICE_TIMEOUT = Duration.ofMinutes(10);

    /**
     * Validates the configuration.
     *
     * @param logDirectory the log directory, or null
     * @param consoleSink the sink
     * @param xenstoreSocket the xenstore socket path, or null
     * @param serviceTimeout the service timeout, from 1 ms to {@link #MAX_SERVICE_TIMEOUT}
     * @throws NullPointerException when {@code consoleSink} or {@code serviceTimeout} is null
     * @throws IllegalArgumentException when {@code serviceTimeout} is shorter than 1 ms or longer than
     *     {@link #MAX_SERVICE_TIMEOUT}
     */
    public HypervisorConfig {
        Objects.requireNonNull(consoleSink, "consoleSink");
        Objects.requireNonNull(serviceTimeout, "serviceTimeout");
        if (serviceTimeout.compareTo(Duration.ofMillis(1)) < 0 || serviceTimeout.compareTo(MAX_SERVICE_TIMEOUT) > 0) {
            throw new IllegalArgumentException("service timeout must be from 1 ms to " + MAX_SERVICE_TIMEOUT
                    + ", was " + serviceTimeout);
        }
    }

    /**
     * A configuration with the {@linkplain #DEFAULT_SERVICE_TIMEOUT default service timeout}.
     *
     * @param logDirectory the log directory, or null
     * @param consoleSink the sink
     * @param xenstoreSocket the xenstore socket path, or null
     * @throws NullPointerException when {@code consoleSink} is null
     */
    public HypervisorConfig(Path logDirectory, Consumer<String> consoleSink, Path xenstoreSocket) {
        this(logDirectory, consoleSink, xenstoreSocket, DEFAULT_SERVICE_TIMEOUT);
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

    /**
     * This configuration with another service timeout.
     *
     * @param timeout the service timeout, from 1 ms to {@link #MAX_SERVICE_TIMEOUT}
     * @return a new configuration
     * @throws IllegalArgumentException when the timeout is out of range
     */
    public HypervisorConfig withServiceTimeout(Duration timeout) {
        return new HypervisorConfig(logDirectory, consoleSink, xenstoreSocket, timeout);
    }
}
