package io.pvkit.hypervisor;

import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How a {@link Hypervisor} reports console output.
 *
 * @param logDirectory where per-domain console logs ({@code <name>.log}) are appended; null for no log
 *     files
 * @param consoleSink receives every console line as {@code "name| line"} (guest console rings drained by
 *     domain 0, and {@code CONSOLEIO_write}); called from several threads, one line per call, serialised
 *     by the hypervisor
 */
public record HypervisorConfig(Path logDirectory, Consumer<String> consoleSink) {
    /**
     * Validates the configuration.
     *
     * @param logDirectory the log directory, or null
     * @param consoleSink the sink
     * @throws NullPointerException when {@code consoleSink} is null
     */
    public HypervisorConfig {
        Objects.requireNonNull(consoleSink, "consoleSink");
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
