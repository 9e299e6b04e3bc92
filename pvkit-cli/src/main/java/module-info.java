/**
 * The {@code pvkit} command: {@code pvkit demo} boots the reference hypervisor, domain 0 and reference
 * guests and shows them working; {@code pvkit kit} runs the conformance kit against the reference
 * hypervisor through its full hypercall dispatch path. An application, not a library: it exports nothing.
 */
module io.pvkit.cli {
    requires io.pvkit.abi;
    requires io.pvkit.hypervisor;
    requires io.pvkit.process;
    requires io.pvkit.guest;
    requires io.pvkit.conformance;
    requires info.picocli;

    // picocli reads and writes the command classes' annotated fields reflectively
    opens io.pvkit.cli to info.picocli;
    // the JUnit Platform instantiates the kit's concrete verifications reflectively
    opens io.pvkit.cli.kit to org.junit.platform.commons;
}
