package io.pvkit.conformance.selftest;

import io.pvkit.conformance.Rule;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs concrete verification classes through the JUnit Platform launcher and maps every test
 * method back to its rule.
 *
 * <p>The kit's self-tests use it to prove that each rule catches a deliberately broken
 * implementation:
 * {@snippet :
 * SelfTestReport report = SelfTest.run(BrokenPrivilegeCheckVerification.class);
 * assertEquals(Set.of("HC-01"), report.failedRules());
 * }
 * The runner uses {@link #run(List, TestExecutionListener...)} with extra listeners (JUnit XML).
 */
public final class SelfTest {

    private SelfTest() {
    }

    /**
     * Runs one concrete (non-abstract) verification class.
     *
     * @param concreteTestClass the class to run
     * @return the results per method and per rule
     */
    public static SelfTestReport run(Class<?> concreteTestClass) {
        return run(List.of(concreteTestClass));
    }

    /**
     * Runs several concrete verification classes in one launcher session.
     *
     * @param classes the classes to run
     * @param extraListeners more listeners, e.g. a JUnit XML report writer
     * @return the results per method and per rule
     */
    public static SelfTestReport run(List<Class<?>> classes, TestExecutionListener... extraListeners) {
        List<DiscoverySelector> selectors = new ArrayList<>();
        for (Class<?> c : classes) {
            selectors.add(DiscoverySelectors.selectClass(c));
        }
        return runSelectors(selectors, extraListeners);
    }

    /**
     * Runs whatever the selectors name (classes, packages ...) in one launcher session.
     *
     * @param selectors JUnit Platform discovery selectors
     * @param extraListeners more listeners, e.g. a JUnit XML report writer
     * @return the results per method and per rule
     */
    public static SelfTestReport runSelectors(List<? extends DiscoverySelector> selectors,
                                              TestExecutionListener... extraListeners) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectors).build();
        Collector collector = new Collector();
        TestExecutionListener[] listeners = new TestExecutionListener[extraListeners.length + 1];
        listeners[0] = collector;
        System.arraycopy(extraListeners, 0, listeners, 1, extraListeners.length);
        LauncherFactory.create().execute(request, listeners);
        return new SelfTestReport(collector.results());
    }

    /** Collects one {@link TestResult} per finished test and per failed container. */
    private static final class Collector implements TestExecutionListener {
        private final List<TestResult> results = Collections.synchronizedList(new ArrayList<>());

        List<TestResult> results() {
            synchronized (results) {
                return List.copyOf(results);
            }
        }

        @Override
        public void executionSkipped(TestIdentifier id, String reason) {
            record(id, Outcome.SKIP, null, reason == null ? "" : reason);
        }

        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            Throwable t = result.getThrowable().orElse(null);
            Outcome outcome = switch (result.getStatus()) {
                case SUCCESSFUL -> Outcome.SUCCESS;
                case ABORTED -> Outcome.SKIP;
                case FAILED -> t instanceof AssertionError ? Outcome.FAILURE : Outcome.ERROR;
            };
            if (id.isContainer() && outcome == Outcome.SUCCESS) {
                return;
            }
            String reason = t == null ? "" : Optional.ofNullable(t.getMessage()).orElse(t.getClass().getName());
            record(id, outcome, t, reason);
        }

        private void record(TestIdentifier id, Outcome outcome, Throwable t, String reason) {
            TestSource source = id.getSource().orElse(null);
            if (source instanceof MethodSource m) {
                if (id.isContainer() && outcome == Outcome.SUCCESS) {
                    return;
                }
                String ruleId = Rule.idOfTestMethod(m.getMethodName()).orElse(null);
                // a required_ check is never skipped by behaviour: an abort means the MUST rule did not run
                Outcome mapped = outcome == Outcome.SKIP && Rule.isRequiredTestMethod(m.getMethodName())
                        ? Outcome.NOT_RUN : outcome;
                results.add(new TestResult(ruleId, m.getClassName(), m.getMethodName(), id.getDisplayName(),
                        mapped, t, reason));
            } else if (source instanceof ClassSource c) {
                results.add(new TestResult(null, c.getClassName(), null, id.getDisplayName(), outcome, t, reason));
            }
        }
    }
}
