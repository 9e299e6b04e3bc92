package io.pvkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The command line: help and version everywhere, one-line errors with exit code 2. */
class PvkitCommandTest {

    record Run(int code, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = PvkitCommand.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "demo --help", "kit --help", "help demo", "-h", "hypervisor --help",
        "guest --help", "help guest"})
    void helpExitsZeroAndDescribesTheCommand(String line) {
        Run r = run(line.split(" "));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("Usage: pvkit"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void demoHelpListsEveryOption() {
        String help = run("demo", "--help").out();
        for (String option : List.of("--guests", "--memory", "--duration", "--rounds", "--log-dir", "--no-progress",
                "--help", "--version")) {
            assertTrue(help.contains(option), option + " missing from:\n" + help);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"--version", "demo --version", "kit --version", "-V"})
    void versionEverywhere(String line) {
        Run r = run(line.split(" "));
        assertEquals(0, r.code());
        assertTrue(r.out().startsWith("pvkit 0."), r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "--bogus",
        "frobnicate",
        "demo --guests",
        "demo --guests x",
        "demo --guests 0",
        "demo --guests 65",
        "demo --guests -3",
        "demo --memory 3K",
        "demo --memory 5000",
        "demo --memory lots",
        "demo --memory 9G",
        "demo --duration 0s",
        "demo --duration 5 parsecs",
        "demo --duration 5x",
        "demo --duration 2s --rounds 10",
        "demo --rounds 0",
        "demo --rounds many",
        "demo extra",
        "kit --out",
        "kit --bogus",
        "hypervisor",
        "hypervisor --socket",
        "hypervisor --socket /tmp/x --for 5 parsecs",
        "hypervisor --socket /tmp/x --disk-size lots",
        "guest",
        "guest --connect",
        "guest --connect /tmp/x --vcpus 0",
        "guest --connect /tmp/x --vcpus 32",
        "guest --connect /tmp/x --name bad/name",
        "guest --connect /tmp/x --memory 3K",
        "guest --connect /tmp/x --rounds 0",
        "guest --connect /tmp/x --duration 2s --rounds 3",
        "demo --guests-in-processes=maybe",
    })
    void badCommandLinesGetOneLineAndExitCodeTwo(String line) {
        Run r = run(line.isEmpty() ? new String[0] : line.split(" "));
        assertEquals(PvkitCommand.USAGE, r.code(), "exit code of '" + line + "': " + r.err());
        assertEquals(1, r.errLines().size(), "one line for '" + line + "', got:\n" + r.err());
        assertTrue(r.err().startsWith("pvkit"), r.err());
        assertTrue(r.err().contains("--help"), r.err());
        assertEquals("", r.out(), "nothing on standard output for '" + line + "'");
    }

    @Test
    void processOptionsAreListedAndChecked() {
        String demo = run("demo", "--help").out();
        assertTrue(demo.contains("--guests-in-processes"), demo);
        String hv = run("hypervisor", "--help").out();
        for (String option : List.of("--socket", "--log-dir", "--disk-dir", "--disk-size", "--guest-cmdline", "--for",
                "--exit-after", "--service-timeout")) {
            assertTrue(hv.contains(option), option + " missing from:\n" + hv);
        }
        Run tooLong = run("hypervisor", "--socket", "/nonexistent/pvkit-st.sock", "--service-timeout", "11m");
        assertEquals(PvkitCommand.USAGE, tooLong.code(), tooLong.err());
        assertTrue(tooLong.err().contains("--service-timeout must be from 1ms to 10m"), tooLong.err());
        String guest = run("guest", "--help").out();
        for (String option : List.of("--connect", "--name", "--memory", "--vcpus", "--duration", "--rounds")) {
            assertTrue(guest.contains(option), option + " missing from:\n" + guest);
        }
        assertTrue(run("guest").err().startsWith("pvkit guest: Missing required option: '--connect=SOCKET'"),
                run("guest").err());
        assertTrue(run("guest", "--connect", "/tmp/x", "--vcpus", "0").err()
                .contains("--vcpus must be between 1 and 31, not 0"));
        assertTrue(run("guest", "--connect", "/tmp/x", "--name", "a b").err()
                .contains("--name must be 1..40 of [A-Za-z0-9._-], not 'a b'"));
    }

    @Test
    void aGuestWithNoHypervisorToJoinFails() {
        Run r = run("guest", "--connect", "/nonexistent/pvkit-guests.sock", "--rounds", "1");
        assertEquals(PvkitCommand.FAILED, r.code(), r.err());
        assertTrue(r.err().startsWith("guest: error:"), r.err());
    }

    @Test
    void theErrorSaysWhatIsWrong() {
        assertTrue(run("demo", "--guests", "0").err().contains("--guests must be between 1 and 64, not 0"));
        assertTrue(run("demo", "--memory", "3K").err().contains("'3K' is less than"));
        assertTrue(run("demo", "--bogus").err().startsWith("pvkit demo: Unknown option: '--bogus'"));
        assertTrue(run("demo", "--duration", "2s", "--rounds", "3").err()
                .startsWith("pvkit demo: --duration=TIME, --rounds=N are mutually exclusive"));
    }
}
