package io.pvkit.conformance.runner;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * The runner jar's entry point, compiled for Java 8 class files so that every JVM can load it: on a JVM older
 * than the kit needs it says which Java it found and how to run the kit instead of failing with
 * {@code UnsupportedClassVersionError}; on Java 25 or newer it hands over to {@link ConformanceRunner}.
 */
public final class RunnerLauncher {
    /** The oldest Java feature release the kit runs on. */
    static final int REQUIRED = 25;
    /** Exit status when the JVM is too old (the runner's own statuses are 0..3). */
    static final int TOO_OLD = 4;

    private RunnerLauncher() {
    }

    /**
     * Checks the JVM, then runs the conformance runner.
     *
     * @param args the runner's arguments
     * @throws Exception whatever the runner throws
     */
    public static void main(String[] args) throws Exception {
        int feature = feature(System.getProperty("java.specification.version", "0"));
        if (feature < REQUIRED) {
            System.err.println("pvkit conformance runner: needs Java " + REQUIRED + " or newer, but this is Java "
                    + System.getProperty("java.specification.version") + " (" + System.getProperty("java.home") + ").");
            System.err.println("Run it with a JDK " + REQUIRED + ": /path/to/jdk-" + REQUIRED
                    + "/bin/java -jar conformance-tests-<version>-runner.jar <verification classes...>");
            System.exit(TOO_OLD);
            return;
        }
        Method main = Class.forName("io.pvkit.conformance.runner.ConformanceRunner").getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception) {
                throw (Exception) cause;
            }
            throw (Error) cause;
        }
    }

    /** "1.8" is 8, "17" is 17, "25" is 25. */
    static int feature(String specificationVersion) {
        String v = specificationVersion.startsWith("1.") ? specificationVersion.substring(2) : specificationVersion;
        int end = 0;
        while (end < v.length() && Character.isDigit(v.charAt(end))) {
            end++;
        }
        return end == 0 ? 0 : Integer.parseInt(v.substring(0, end));
    }
}
