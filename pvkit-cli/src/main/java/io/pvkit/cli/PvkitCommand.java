package io.pvkit.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The top-level {@code pvkit} command: parses the command line with picocli and runs a subcommand.
 * <p>Exit codes: {@value #OK} success, {@value #FAILED} the run failed (a guest crashed or did not finish,
 * a MUST rule of the kit failed), {@value #USAGE} a bad command line (one line on standard error says why).
 */
@Command(name = "pvkit",
        mixinStandardHelpOptions = true,
        versionProvider = PvkitCommand.Version.class,
        description = "pvkit: Xen-style paravirtualization on the JVM. Run the reference system or the conformance kit.",
        subcommands = {DemoCommand.class, KitCommand.class, HypervisorCommand.class, GuestCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Start with: pvkit demo"})
public final class PvkitCommand implements Runnable {

    /** Exit code of a successful run. */
    public static final int OK = 0;
    /** Exit code of a run that failed. */
    public static final int FAILED = 1;
    /** Exit code of a bad command line. */
    public static final int USAGE = 2;

    @Spec
    private CommandSpec spec;

    /** For picocli. */
    public PvkitCommand() {
    }

    /**
     * Runs {@code pvkit} and exits with its exit code.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(args, out, err));
    }

    /**
     * Runs {@code pvkit} in this process.
     *
     * @param args the command line
     * @param out where the command's output goes
     * @param err where errors go
     * @return the exit code
     */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine line = new CommandLine(new PvkitCommand());
        line.setOut(out);
        line.setErr(err);
        line.setParameterExceptionHandler(PvkitCommand::oneLineError);
        line.setExitCodeExceptionMapper(e -> e instanceof ParameterException ? USAGE : FAILED);
        line.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println(cmd.getCommandName() + ": error: " + e);
            return FAILED;
        });
        int code = line.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** A bad command line: one line that says what is wrong and where help is, exit code 2. */
    private static int oneLineError(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        String name = cmd.getCommandSpec().qualifiedName();
        String message = e.getMessage() == null ? "bad command line" : e.getMessage().strip().replace('\n', ' ');
        if (message.startsWith("Error: ")) {
            message = message.substring("Error: ".length());
        }
        cmd.getErr().println(name + ": " + message + " (see '" + name + " --help')");
        return USAGE;
    }

    /** {@code pvkit} without a subcommand: the usage, as a bad command line. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: demo, kit, hypervisor, guest or help");
    }

    /** The version of this build, from {@code version.properties} (filtered by Maven). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = PvkitCommand.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"pvkit " + p.getProperty("version", "(unknown version)"),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vendor", "?") + ")"};
        }
    }
}
