package io.pvkit.hypervisor.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * The hypervisor console's output: each line goes to the configured sink as {@code "name| line"} (calls
 * serialised) and is appended to {@code <logDirectory>/<name>.log}. Domain 0's console backend appends to
 * the same files from its side (each line is one {@code O_APPEND} write, so lines never tear).
 */
public final class ConsoleLines {
    private static final System.Logger LOG = System.getLogger("io.pvkit.hypervisor.console");

    private final Path logDirectory;
    private final Consumer<String> sink;

    /**
     * Creates the console output.
     *
     * @param logDirectory the log directory, or null
     * @param sink the user's sink
     */
    public ConsoleLines(Path logDirectory, Consumer<String> sink) {
        this.logDirectory = logDirectory;
        this.sink = sink;
    }

    /**
     * The serialised sink (what domain 0 is given too).
     *
     * @return a thread-safe consumer of whole lines
     */
    public Consumer<String> serialisedSink() {
        return this::emit;
    }

    private synchronized void emit(String line) {
        try {
            sink.accept(line);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "console sink failed", e);
        }
    }

    /**
     * Emits one line of a domain.
     *
     * @param name the domain's name
     * @param text the line without its newline
     */
    public void line(String name, String text) {
        emit(name + "| " + text);
        if (logDirectory != null) {
            try {
                Files.writeString(logDirectory.resolve(name + ".log"), text + "\n", StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot append to the console log of " + name, e);
            }
        }
    }

    /** @return the log directory, or null */
    public Path logDirectory() {
        return logDirectory;
    }
}
