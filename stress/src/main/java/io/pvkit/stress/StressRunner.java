package io.pvkit.stress;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs jcstress in this JVM and turns its verdict into an exit status, so that the build fails when a
 * memory-ordering test fails (jcstress's own {@code Main} always exits 0).
 *
 * <p>Arguments are passed to jcstress unchanged (e.g. {@code -m quick -t io.pvkit}). The run fails when
 * jcstress reports any failed test or hard error, or when it planned no test at all.
 */
public final class StressRunner {
    private static final Pattern SUMMARY = Pattern.compile(
            "Results: (\\d+) planned; (\\d+) passed, (\\d+) failed, (\\d+) soft errs, (\\d+) hard errs");

    private StressRunner() {
    }

    /**
     * Runs jcstress and exits with 0 only when every planned test passed.
     *
     * @param args jcstress options
     * @throws Exception when jcstress cannot run
     */
    public static void main(String[] args) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream tee = new PrintStream(new TeeStream(original, captured), true, StandardCharsets.UTF_8);
        System.setOut(tee);
        try {
            org.openjdk.jcstress.Main.main(args);
        } finally {
            System.setOut(original);
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        Matcher m = SUMMARY.matcher(text);
        long planned = -1;
        long failed = 0;
        long hard = 0;
        while (m.find()) {
            planned = Long.parseLong(m.group(1));
            failed = Long.parseLong(m.group(3));
            hard = Long.parseLong(m.group(5));
        }
        if (planned <= 0) {
            original.println("pvkit stress: jcstress ran no test (or printed no summary); failing");
            System.exit(2);
        }
        if (failed > 0 || hard > 0) {
            original.println("pvkit stress: " + failed + " failed, " + hard + " hard errors out of " + planned);
            System.exit(1);
        }
        original.println("pvkit stress: all " + planned + " jcstress tests passed");
        System.exit(0);
    }

    private static final class TeeStream extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        TeeStream(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws java.io.IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws java.io.IOException {
            a.flush();
            b.flush();
        }
    }
}
