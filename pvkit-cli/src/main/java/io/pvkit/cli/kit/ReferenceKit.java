package io.pvkit.cli.kit;

import io.pvkit.conformance.runner.ConformanceRunner;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** Runs the reference hypervisor's conformance verifications with the kit's runner. */
public final class ReferenceKit {

    /** The verifications {@code pvkit kit} runs, in order. */
    public static final List<Class<?>> VERIFICATIONS = List.of(ReferenceHypercallConformance.class,
            ReferenceEventChannelConformance.class, ReferenceGrantConformance.class, ReferenceBlockConformance.class,
            ReferenceDomainDeathConformance.class, ReferenceGuestProcessConformance.class);

    private ReferenceKit() {
    }

    /**
     * Runs every verification of {@link #VERIFICATIONS} and writes {@code conformance-report.md} and JUnit XML
     * to {@code out}.
     *
     * @param out the report directory
     * @param table where the rule-by-rule table goes
     * @return the runner's exit status: 0 every MUST rule passed or was skipped, 1 a MUST rule failed, 2
     *     nothing ran
     */
    public static int run(Path out, PrintStream table) {
        String[] args = new String[2 + VERIFICATIONS.size()];
        args[0] = "--out";
        args[1] = out.toString();
        for (int i = 0; i < VERIFICATIONS.size(); i++) {
            args[2 + i] = VERIFICATIONS.get(i).getName();
        }
        return ConformanceRunner.run(args, table);
    }
}
