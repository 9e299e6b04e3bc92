package io.pvkit.cli;

import io.pvkit.cli.kit.ReferenceKit;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pvkit kit}: runs the conformance kit's hypercall-ABI, event-channel and grant-table verifications
 * against the reference hypervisor, every hypercall through its full dispatch path, and writes the
 * rule-by-rule report.
 */
@Command(name = "kit",
        mixinStandardHelpOptions = true,
        versionProvider = PvkitCommand.Version.class,
        description = {
            "Run the conformance kit (hypercall ABI, event channels, grant tables) against the reference "
                    + "hypervisor through its full hypercall dispatch path. Prints a rule-by-rule table and writes "
                    + "conformance-report.md and JUnit XML.",
            "Exit status: 0 every MUST rule passed or was skipped; 1 a MUST rule failed; 2 bad options or nothing ran."})
final class KitCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "conformance-report",
            description = "where to write the report (default: ${DEFAULT-VALUE})")
    private Path out;

    /** For picocli. */
    KitCommand() {
    }

    @Override
    public Integer call() {
        var writer = spec.commandLine().getOut();
        writer.flush();
        PrintStream stream = new PrintStream(new WriterOutputStream(writer), true, StandardCharsets.UTF_8);
        int status = ReferenceKit.run(out, stream);
        stream.flush();
        return status;
    }

    /** Bytes to a writer (the runner prints to a PrintStream, picocli gives a PrintWriter). */
    private static final class WriterOutputStream extends java.io.OutputStream {
        private final java.io.PrintWriter writer;
        private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

        WriterOutputStream(java.io.PrintWriter writer) {
            this.writer = writer;
        }

        @Override
        public void write(int b) {
            line.write(b);
            if (b == '\n') {
                flush();
            }
        }

        @Override
        public void flush() {
            writer.write(line.toString(StandardCharsets.UTF_8));
            writer.flush();
            line.reset();
        }
    }
}
