package io.pvkit.conformance.runner;

import io.pvkit.conformance.selftest.SelfTest;
import io.pvkit.conformance.selftest.SelfTestReport;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.reporting.legacy.xml.LegacyXmlReportGeneratingListener;

/**
 * The kit's command-line runner: runs concrete verification classes (or every test class in a
 * package) through the JUnit Platform launcher, prints a rule-by-rule table, and writes
 * {@code conformance-report.md} and JUnit XML ({@code TEST-junit-jupiter.xml}) to an output
 * directory.
 *
 * <pre>
 * java -jar conformance-tests-runner.jar [--classpath PATHS] [--out DIR] [--package PKG]... [CLASS]...
 * </pre>
 * Exit status: 0 (CONFORMANT) when every MUST rule ran and passed; 1 (NOT CONFORMANT) when a MUST
 * rule failed or a class could not run; 2 when nothing ran or the command line is wrong; 3
 * (INCOMPLETE) when no MUST rule failed but a MUST rule did not run (a {@code required_} check was
 * aborted, e.g. because the implementation answered {@code -ENOSYS}).
 */
public final class ConformanceRunner {

    private static final String USAGE = """
            usage: java -jar conformance-tests-runner.jar [--classpath PATHS] [--out DIR] [--package PKG]... [CLASS]...
              CLASS             a concrete verification class, e.g. com.acme.MyHypercallConformanceTest
              --package PKG     run every test class in package PKG (and its sub-packages)
              --classpath PATHS extra class path (':'-separated jars and directories) holding your classes
              --out DIR         where to write conformance-report.md and JUnit XML (default: conformance-report)
            exit status: 0 CONFORMANT (every MUST rule ran and passed); 1 NOT CONFORMANT (a MUST rule failed,
                         or a class could not run); 2 nothing ran / usage; 3 INCOMPLETE (a MUST rule did not run)""";

    private ConformanceRunner() {
    }

    /**
     * Runs the command line and exits with the run's status.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    /**
     * Runs the command line in-process.
     *
     * @param args the command line
     * @param out where the table goes
     * @return the exit status
     */
    public static int run(String[] args, PrintStream out) {
        Path outDir = Path.of("conformance-report");
        List<String> classes = new ArrayList<>();
        List<String> packages = new ArrayList<>();
        List<URL> classpath = new ArrayList<>();
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--out" -> outDir = Path.of(args[++i]);
                    case "--package" -> packages.add(args[++i]);
                    case "--classpath", "-cp" -> {
                        for (String p : args[++i].split(File.pathSeparator)) {
                            classpath.add(Path.of(p).toUri().toURL());
                        }
                    }
                    case "--help", "-h" -> {
                        out.println(USAGE);
                        return ConformanceReport.NOTHING_RAN;
                    }
                    default -> {
                        if (args[i].startsWith("-")) {
                            throw new IllegalArgumentException("unknown option " + args[i]);
                        }
                        classes.add(args[i]);
                    }
                }
            }
        } catch (ArrayIndexOutOfBoundsException | IllegalArgumentException | MalformedURLException e) {
            out.println("error: " + (e instanceof ArrayIndexOutOfBoundsException ? "option needs a value" : e.getMessage()));
            out.println(USAGE);
            return ConformanceReport.NOTHING_RAN;
        }
        if (classes.isEmpty() && packages.isEmpty()) {
            out.println(USAGE);
            return ConformanceReport.NOTHING_RAN;
        }
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        URLClassLoader loader = classpath.isEmpty() ? null
                : new URLClassLoader(classpath.toArray(URL[]::new), ConformanceRunner.class.getClassLoader());
        try {
            if (loader != null) {
                thread.setContextClassLoader(loader);
            }
            List<DiscoverySelector> selectors = new ArrayList<>();
            for (String c : classes) {
                selectors.add(DiscoverySelectors.selectClass(c));
            }
            for (String p : packages) {
                selectors.add(DiscoverySelectors.selectPackage(p));
            }
            Files.createDirectories(outDir);
            StringWriter xmlLog = new StringWriter();
            LegacyXmlReportGeneratingListener xml = new LegacyXmlReportGeneratingListener(outDir, new PrintWriter(xmlLog));
            SelfTestReport results = SelfTest.runSelectors(selectors, xml);
            ConformanceReport report = new ConformanceReport(results);
            String title = String.join(" ", classes) + (packages.isEmpty() ? "" : " packages " + String.join(" ", packages));
            Path markdown = outDir.resolve("conformance-report.md");
            Files.writeString(markdown, report.toMarkdown(title), StandardCharsets.UTF_8);
            out.println("pvkit conformance: " + title);
            out.print(report.toText());
            out.println("report: " + markdown + " and JUnit XML in " + outDir);
            return report.exitStatus();
        } catch (IOException e) {
            out.println("error: cannot write the report: " + e);
            return ConformanceReport.NOTHING_RAN;
        } finally {
            thread.setContextClassLoader(previous);
            if (loader != null) {
                try {
                    loader.close();
                } catch (IOException ignored) {
                    // closing a class path we opened for reading; nothing to recover
                }
            }
        }
    }
}
