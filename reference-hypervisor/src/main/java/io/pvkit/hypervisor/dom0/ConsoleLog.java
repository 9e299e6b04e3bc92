package io.pvkit.hypervisor.dom0;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * Where domain 0's console backend puts lines: the user's sink ({@code "name| line"}) and the per-domain
 * log {@code <logDirectory>/<name>.log} (xenconsoled's {@code guest-<name>.log}), one {@code O_APPEND}
 * write per line.
 */
final class ConsoleLog {
    private final Path logDirectory;
    private final Consumer<String> sink;

    ConsoleLog(Path logDirectory, Consumer<String> sink) {
        this.logDirectory = logDirectory;
        this.sink = sink;
    }

    void line(String name, String text) {
        sink.accept(name + "| " + text);
        if (logDirectory != null) {
            try {
                Files.writeString(logDirectory.resolve(name + ".log"), text + "\n", StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
            } catch (IOException e) {
                sink.accept("Domain-0| cannot append to the log of " + name + ": " + e.getMessage());
            }
        }
    }
}
