package io.pvkit.conformance.hypercall;

import static io.pvkit.conformance.internal.XenNumbers.CONSOLEIO_read;
import static io.pvkit.conformance.internal.XenNumbers.CONSOLEIO_write;
import static io.pvkit.conformance.internal.XenNumbers.HYPERVISOR_console_io;
import static io.pvkit.conformance.internal.XenNumbers.HYPERVISOR_domctl;
import static io.pvkit.conformance.internal.XenNumbers.HYPERVISOR_event_channel_op;
import static io.pvkit.conformance.internal.XenNumbers.HYPERVISOR_grant_table_op;
import static io.pvkit.conformance.internal.XenNumbers.HYPERVISOR_memory_op;
import static io.pvkit.conformance.internal.XenNumbers.HYPERVISOR_multicall;
import static io.pvkit.conformance.internal.XenNumbers.HYPERVISOR_sched_op;
import static io.pvkit.conformance.internal.XenNumbers.HYPERVISOR_sysctl;
import static io.pvkit.conformance.internal.XenNumbers.HYPERVISOR_xen_version;
import static io.pvkit.conformance.internal.XenNumbers.MULTICALL_ENTRY_SIZE;
import static io.pvkit.conformance.internal.XenNumbers.SCHEDOP_yield;
import static io.pvkit.conformance.internal.XenNumbers.XENVER_capabilities;
import static io.pvkit.conformance.internal.XenNumbers.XENVER_changeset;
import static io.pvkit.conformance.internal.XenNumbers.XENVER_compile_info;
import static io.pvkit.conformance.internal.XenNumbers.XENVER_extraversion;
import static io.pvkit.conformance.internal.XenNumbers.XENVER_version;
import static io.pvkit.conformance.internal.XenNumbers.XEN_DOMCTL_INTERFACE_VERSION;
import static io.pvkit.conformance.internal.XenNumbers.XEN_DOMCTL_getdomaininfo;
import static io.pvkit.conformance.internal.XenNumbers.XEN_SYSCTL_INTERFACE_VERSION;
import static io.pvkit.conformance.internal.XenNumbers.XEN_SYSCTL_physinfo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pvkit.abi.XenErrno;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.property.Gens;
import io.pvkit.conformance.property.Property;
import io.pvkit.conformance.spi.Capability;
import io.pvkit.conformance.spi.DomainConfig;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Verifies the hypercall ABI rules {@code HC-01} .. {@code HC-06} (see {@link HypercallRules} and
 * {@code conformance-tests/RULES.md}) against a hypervisor under test.
 *
 * <p>Extend it in your test scope and supply the hypervisor:
 * {@snippet :
 * class MyHypervisorHypercallConformanceTest extends HypercallAbiVerification {
 *     @Override
 *     protected HypervisorUnderTest createHypervisor() {
 *         return new MyHypervisorPort();   // implements io.pvkit.conformance.spi.HypervisorUnderTest
 *     }
 * }
 * }
 * Each test method creates a fresh hypervisor with an unprivileged domain, a second unprivileged
 * bystander domain and, with {@link Capability#PRIVILEGED_DOMAINS}, a privileged domain. "No side
 * effect" is checked by comparing every domain's whole memory, console output
 * ({@link Capability#CONSOLE_OUTPUT}) and upcall counts ({@link Capability#UPCALL_COUNT}) before
 * and after the call. Checks that need a capability or an op an implementation may legitimately
 * refuse (multicall, console read and write) are {@code optional_} methods: without it they are a
 * SKIP with the reason. A {@code required_} check is never skipped by behaviour: if it cannot run
 * (for example every {@code xen_version} string sub-op answers {@code -ENOSYS}) it is aborted and the
 * runner reports the MUST rule as <em>not run</em> (exit status 3), not as a pass.
 */
public abstract class HypercallAbiVerification {

    private static final long ENOSYS = XenErrno.ENOSYS.negated();
    private static final long EPERM = XenErrno.EPERM.negated();
    private static final long EFAULT = XenErrno.EFAULT.negated();
    private static final byte PATTERN_A = (byte) 0xA5;
    private static final byte PATTERN_B = (byte) 0x5A;
    private static final int GUARD = 64;

    private HypervisorUnderTest hypervisor;
    private DomainUnderTest guest;
    private DomainUnderTest bystander;
    private DomainUnderTest control;
    private final List<DomainUnderTest> domains = new ArrayList<>();

    /** For subclasses. */
    protected HypercallAbiVerification() {
    }

    /**
     * Creates a fresh hypervisor under test; called before every test method and closed after it.
     *
     * @return the hypervisor
     */
    protected abstract HypervisorUnderTest createHypervisor();

    /**
     * The memory of each test domain, in frames (default 16; the kit places buffers in the first
     * and the last frame).
     *
     * @return the number of frames, at least 4
     */
    protected long domainFrames() {
        return 16;
    }

    /**
     * Creates the hypervisor and the test domains.
     */
    @BeforeEach
    public void setUpHypervisor() {
        hypervisor = createHypervisor();
        assertNotNull(hypervisor, "createHypervisor() returned null");
        guest = create(false);
        bystander = create(false);
        if (supports(Capability.PRIVILEGED_DOMAINS)) {
            control = create(true);
        }
    }

    /**
     * Destroys the test domains and closes the hypervisor.
     */
    @AfterEach
    public void tearDownHypervisor() {
        if (hypervisor != null) {
            for (DomainUnderTest d : domains) {
                hypervisor.destroyDomain(d);
            }
            domains.clear();
            hypervisor.close();
        }
    }

    // ---------------------------------------------------------------- HC-01

    /**
     * Rule {@linkplain HypercallRules HC-01} ({@code RULES.md#hc-01}): hypercall numbers that Xen does not assign
     * (11, 43..47, 56..63, and values far beyond, including ones with high bits set) return
     * {@code -ENOSYS} and change nothing, for unprivileged and privileged callers.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the dispatch table's bounds check (op {@code >= NR_hypercalls} and negative values as
     *       unsigned 64-bit numbers);</li>
     *   <li>that the default branch returns {@code -ENOSYS}, not 0 or {@code -EINVAL};</li>
     *   <li>that no argument is read or written before the op is known.</li>
     * </ul>
     */
    @Test
    public void required_HC_01_unknownHypercallsReturnEnosysWithoutSideEffect() {
        long[] ops = {11, 43, 44, 45, 46, 47, 56, 57, 63, 64, 127, 128, 1000, 0xFFFF, 0x7FFF_FFFFL, 0xFFFF_FFFFL,
            0x1_0000_0011L, Long.MAX_VALUE, -1L, Long.MIN_VALUE};
        long buffer = bufferAddress(guest);
        for (DomainUnderTest caller : callers()) {
            for (long op : ops) {
                Snapshot before = snapshot();
                long r = call(caller, op, buffer, buffer, 1, buffer, 0);
                assertResult(ENOSYS, r, "unknown hypercall " + op + " from domain " + caller.domid());
                before.assertUnchanged("unknown hypercall " + op);
            }
        }
    }

    /**
     * Rule {@linkplain HypercallRules HC-01} ({@code RULES.md#hc-01}): unknown sub-ops of multiplexed hypercalls
     * ({@code xen_version}, {@code console_io}, {@code event_channel_op}, {@code grant_table_op},
     * {@code sched_op}, {@code memory_op}) return {@code -ENOSYS} and change nothing.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>each sub-op switch's default branch ({@code -ENOSYS}, not {@code -EINVAL} or 0);</li>
     *   <li>that the argument is not copied in or out before the sub-op is known;</li>
     *   <li>that {@code cmd} is compared as the header's type (int or unsigned), so that
     *       {@code 0x7FFFFFFF} does not alias a valid sub-op.</li>
     * </ul>
     */
    @Test
    public void required_HC_01_unknownSubOpsReturnEnosysWithoutSideEffect() {
        long buffer = bufferAddress(guest);
        long[][] calls = {
            {HYPERVISOR_xen_version, 0x7FFF, buffer, 0},
            {HYPERVISOR_xen_version, 0x7FFF_FFFFL, buffer, 0},
            {HYPERVISOR_console_io, 0x7FFF, 16, buffer},
            {HYPERVISOR_console_io, 0x7FFF_FFFFL, 16, buffer},
            {HYPERVISOR_event_channel_op, 0xFFFF, buffer, 0},
            {HYPERVISOR_event_channel_op, 100, buffer, 0},
            {HYPERVISOR_grant_table_op, 0xFFF, buffer, 1},
            {HYPERVISOR_grant_table_op, 100, buffer, 1},
            {HYPERVISOR_sched_op, 0x7FFF, buffer, 0},
            {HYPERVISOR_memory_op, 0x3F, buffer, 0},
        };
        for (DomainUnderTest caller : callers()) {
            long callerBuffer = bufferAddress(caller);
            for (long[] c : calls) {
                long a1 = c[1];
                long a2 = c[2] == buffer ? callerBuffer : c[2];
                long a3 = c[3] == buffer ? callerBuffer : c[3];
                Snapshot before = snapshot();
                long r = call(caller, c[0], a1, a2, a3, 0, 0);
                assertResult(ENOSYS, r, "hypercall " + c[0] + " with unknown sub-op " + a1 + " from domain "
                        + caller.domid());
                before.assertUnchanged("hypercall " + c[0] + " sub-op " + a1);
            }
        }
    }

    /**
     * Rule {@linkplain HypercallRules HC-01} ({@code RULES.md#hc-01}): privileged ops ({@code domctl},
     * {@code sysctl}) issued by an unprivileged domain with a well-formed argument return
     * {@code -EPERM} and change nothing. An implementation that provides the op to nobody (the
     * privileged domain also gets {@code -ENOSYS}) may answer {@code -ENOSYS}.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the privilege check (XSM {@code XSM_PRIV}) runs before the op does anything;</li>
     *   <li>that the caller's privilege comes from the hypervisor's domain record, never from an
     *       argument;</li>
     *   <li>that the output part of the argument is not written on the error path.</li>
     * </ul>
     */
    @Test
    public void required_HC_01_privilegedOpsFromUnprivilegedDomainReturnEpermWithoutSideEffect() {
        for (long op : new long[] {HYPERVISOR_domctl, HYPERVISOR_sysctl}) {
            boolean providedToAnyone = true;
            if (control != null) {
                long address = writePrivilegedArgument(control, op);
                long r = call(control, op, address, 0, 0, 0, 0);
                providedToAnyone = r != ENOSYS;
            }
            long address = writePrivilegedArgument(guest, op);
            Snapshot before = snapshot();
            long r = call(guest, op, address, 0, 0, 0, 0);
            if (providedToAnyone) {
                assertResult(EPERM, r, name(op) + " from unprivileged domain " + guest.domid());
            } else {
                assertTrue(r == EPERM || r == ENOSYS, name(op) + " from unprivileged domain: expected -EPERM or "
                        + "-ENOSYS but was " + XenErrno.describe(r));
            }
            before.assertUnchanged(name(op) + " from an unprivileged domain");
        }
    }

    // ---------------------------------------------------------------- HC-02

    /**
     * Rule {@linkplain HypercallRules HC-02} ({@code RULES.md#hc-02}): the {@code xen_version} string buffers
     * ({@code extraversion} 16 bytes, {@code compile_info} 144, {@code capabilities} 1024,
     * {@code changeset} 64) are written completely: filled once with 0xA5 and once with 0x5A before
     * the call, the results are identical (no byte left as it was), every string is NUL-terminated
     * with only NULs after the terminator, and the 64 bytes around the buffer are untouched.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the op copies out the whole fixed-size array, zero-filled, not just
     *       {@code strlen + 1} bytes (XSA-122);</li>
     *   <li>the copy length is the array size, not a larger struct or page;</li>
     *   <li>the string is truncated and terminated when it is longer than the array.</li>
     * </ul>
     */
    @Test
    public void required_HC_02_xenVersionStringBuffersAreWrittenCompletely() {
        int[][] subOps = {{XENVER_extraversion, 16}, {XENVER_compile_info, 144}, {XENVER_capabilities, 1024},
            {XENVER_changeset, 64}};
        int checked = 0;
        for (int[] subOp : subOps) {
            int size = subOp[1];
            byte[] first = fillCallRead(guest, subOp[0], size, PATTERN_A);
            if (first == null) {
                continue;
            }
            byte[] second = fillCallRead(guest, subOp[0], size, PATTERN_B);
            assertNotNull(second, "xen_version " + subOp[0] + " succeeded once, then failed");
            assertArrayEquals(first, second, "xen_version sub-op " + subOp[0]
                    + ": output depends on the buffer's previous contents (bytes left unwritten)");
            int[] fields = subOp[0] == XENVER_compile_info ? new int[] {64, 16, 32, 32} : new int[] {size};
            int offset = 0;
            for (int field : fields) {
                assertTerminatedAndZeroFilled(Arrays.copyOfRange(first, offset, offset + field),
                        "xen_version sub-op " + subOp[0] + " field at offset " + offset);
                offset += field;
            }
            checked++;
        }
        Assumptions.assumeTrue(checked > 0, "no xen_version string sub-op is implemented (all -ENOSYS)");
    }

    /**
     * Rule {@linkplain HypercallRules HC-02} ({@code RULES.md#hc-02}): {@code CONSOLEIO_read} returns at most
     * {@code count}, and writes no byte beyond the returned count or outside the buffer.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the copy is bounded by {@code count}, not by the amount of console data;</li>
     *   <li>the return value is the number of bytes written.</li>
     * </ul>
     */
    @Test
    public void optional_HC_02_consoleReadWritesOnlyTheReturnedCount() {
        DomainUnderTest reader = control != null ? control : guest;
        int count = 8;
        long address = bufferAddress(reader);
        GuestMemory memory = reader.memory();
        memory.fill(address - GUARD, count + 2L * GUARD, PATTERN_A);
        long r = call(reader, HYPERVISOR_console_io, CONSOLEIO_read, count, address, 0, 0);
        Assumptions.assumeTrue(r >= 0, "CONSOLEIO_read not available to domain " + reader.domid() + ": "
                + XenErrno.describe(r));
        assertTrue(r <= count, "CONSOLEIO_read returned " + r + " for a count of " + count);
        for (long i = r; i < count + GUARD; i++) {
            assertEquals(PATTERN_A, memory.getByte(address + i), "byte " + i + " after a read of " + r + " bytes");
        }
        for (long i = 1; i <= GUARD; i++) {
            assertEquals(PATTERN_A, memory.getByte(address - i), "byte " + i + " before the buffer");
        }
    }

    // ---------------------------------------------------------------- HC-03

    /**
     * Rule {@linkplain HypercallRules HC-03} ({@code RULES.md#hc-03}): pointer arguments outside the caller's
     * memory (just past the end, far past it, {@code 0xFFFFFFFFFFFFFFFF}, {@code 2^63}) give
     * {@code -EFAULT} and change nothing, for {@code xen_version} output, {@code console_io} input
     * and the privileged ops' argument.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>every guest pointer goes through one checked copy routine (bounds, translation,
     *       overflow of {@code address + length});</li>
     *   <li>a fault is turned into {@code -EFAULT} and is not swallowed (result 0);</li>
     *   <li>no exception escapes the hypercall entry point.</li>
     * </ul>
     */
    @Test
    public void required_HC_03_badPointersReturnEfaultWithoutSideEffect() {
        long end = guest.memory().byteSize();
        long[] bad = {end, end + 8, end + GuestMemory.PAGE_SIZE, 1L << 40, -1L, -16L, Long.MIN_VALUE,
            Long.MAX_VALUE - 7};
        boolean versionProvided = fillCallRead(guest, XENVER_extraversion, 16, PATTERN_A) != null;
        boolean consoleProvided = consoleWriteWorks(guest);
        for (long address : bad) {
            if (versionProvided) {
                Snapshot before = snapshot();
                long r = call(guest, HYPERVISOR_xen_version, XENVER_extraversion, address, 0, 0, 0);
                assertResult(EFAULT, r, "xen_version(extraversion) to " + Long.toHexString(address));
                before.assertUnchanged("xen_version(extraversion) to a bad pointer");
            }
            if (consoleProvided) {
                Snapshot before = snapshot();
                long r = call(guest, HYPERVISOR_console_io, CONSOLEIO_write, 16, address, 0, 0);
                assertResult(EFAULT, r, "console_io(write, 16) from " + Long.toHexString(address));
                before.assertUnchanged("console_io(write) from a bad pointer");
            }
            if (control != null) {
                for (long op : new long[] {HYPERVISOR_domctl, HYPERVISOR_sysctl}) {
                    long probe = call(control, op, writePrivilegedArgument(control, op), 0, 0, 0, 0);
                    if (probe == ENOSYS) {
                        continue;
                    }
                    Snapshot before = snapshot();
                    long r = call(control, op, address, 0, 0, 0, 0);
                    assertResult(EFAULT, r, name(op) + " with argument at " + Long.toHexString(address));
                    before.assertUnchanged(name(op) + " with a bad pointer");
                }
            }
        }
        Assumptions.assumeTrue(versionProvided || consoleProvided || control != null,
                "neither xen_version(extraversion), console_io(write) nor a privileged domain is available");
    }

    /**
     * Rule {@linkplain HypercallRules HC-03} ({@code RULES.md#hc-03}): a multicall array whose base is valid but
     * whose element <i>k</i> lies outside the caller's memory is rejected with {@code -EFAULT} when
     * element <i>k</i> is reached; elements before it report their own results.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>each element is copied in (and validated) on its own, not only the base pointer;</li>
     *   <li>{@code nr_calls * sizeof(entry)} cannot overflow into a small range check;</li>
     *   <li>a huge {@code nr_calls} ends at the end of memory instead of looping or crashing.</li>
     * </ul>
     */
    @Test
    public void optional_HC_03_multicallElementOutsideMemoryIsRejected() {
        requireCapability(Capability.MULTICALL);
        GuestMemory memory = guest.memory();
        long base = memory.byteSize() - 2L * MULTICALL_ENTRY_SIZE;
        for (long nr : new long[] {3, 0xFFFF_FFFFL, 0x0400_0000L}) {
            for (int i = 0; i < 2; i++) {
                writeEntry(memory, base + (long) i * MULTICALL_ENTRY_SIZE, HYPERVISOR_xen_version, XENVER_version, 0);
            }
            long r = call(guest, HYPERVISOR_multicall, base, nr, 0, 0, 0);
            assertResult(EFAULT, r, "multicall of " + nr + " entries with entry 2 outside memory");
            for (int i = 0; i < 2; i++) {
                long result = memory.getLong(base + (long) i * MULTICALL_ENTRY_SIZE + 8);
                assertResult(call(guest, HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0), result,
                        "result of multicall entry " + i + " before the bad one");
            }
        }
    }

    // ---------------------------------------------------------------- HC-04

    /**
     * Rule {@linkplain HypercallRules HC-04} ({@code RULES.md#hc-04}): a multicall from an unprivileged domain
     * mixing a good call, a privileged op, an unknown op, a console write and an unknown sub-op
     * returns 0 and stores, for every element, the result of the same call made directly; the
     * privileged element gets exactly what the direct call gets ({@code -EPERM}), so no element
     * runs with more privilege than the caller.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>every element's {@code result} is written, including failed ones;</li>
     *   <li>elements are dispatched with the caller's own domain and privilege, exactly like a
     *       direct hypercall;</li>
     *   <li>an error in one element does not stop or corrupt the following ones.</li>
     * </ul>
     */
    @Test
    public void optional_HC_04_multicallResultsEqualDirectCallsUnderTheCallersPrivilege() {
        requireCapability(Capability.MULTICALL);
        GuestMemory memory = guest.memory();
        long domctl = writePrivilegedArgument(guest, HYPERVISOR_domctl);
        long text = GuestMemory.PAGE_SIZE * 2L;
        memory.write(text, "hc-04\n".getBytes(StandardCharsets.US_ASCII), 0, 6);
        long[][] elements = {
            {HYPERVISOR_xen_version, XENVER_version, 0, 0},
            {HYPERVISOR_domctl, domctl, 0, 0},
            {63, 0, 0, 0},
            {HYPERVISOR_console_io, CONSOLEIO_write, 6, text},
            {HYPERVISOR_xen_version, 0x7FFF, 0, 0},
            {HYPERVISOR_sysctl, writePrivilegedArgument(guest, HYPERVISOR_sysctl) , 0, 0},
        };
        long base = GuestMemory.PAGE_SIZE * 3L;
        for (int i = 0; i < elements.length; i++) {
            long entry = base + (long) i * MULTICALL_ENTRY_SIZE;
            memory.fill(entry, MULTICALL_ENTRY_SIZE, PATTERN_A);
            writeEntry(memory, entry, elements[i][0], elements[i][1], elements[i][2]);
            memory.setLong(entry + 32, elements[i][3]);
        }
        long r = call(guest, HYPERVISOR_multicall, base, elements.length, 0, 0, 0);
        assertResult(0, r, "multicall of " + elements.length + " entries");
        for (int i = 0; i < elements.length; i++) {
            long got = memory.getLong(base + (long) i * MULTICALL_ENTRY_SIZE + 8);
            long direct = call(guest, elements[i][0], elements[i][1], elements[i][2], elements[i][3], 0, 0);
            assertResult(direct, got, "multicall entry " + i + " (op " + elements[i][0]
                    + ") compared with the same call made directly");
        }
    }

    /**
     * Rule {@linkplain HypercallRules HC-04} ({@code RULES.md#hc-04}): a multicall whose elements are all
     * privileged ops, issued by an unprivileged domain, changes nothing in any domain. Skipped when
     * the same op is not refused when made directly (that is an HC-01 failure).
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the multicall path re-checks privilege per element (no cached "privileged" flag);</li>
     *   <li>error results are written only into the caller's own entries.</li>
     * </ul>
     */
    @Test
    public void optional_HC_04_unprivilegedMulticallOfPrivilegedOpsChangesNothingElse() {
        requireCapability(Capability.MULTICALL);
        GuestMemory memory = guest.memory();
        long domctl = writePrivilegedArgument(guest, HYPERVISOR_domctl);
        long base = GuestMemory.PAGE_SIZE * 3L;
        for (int i = 0; i < 4; i++) {
            writeEntry(memory, base + (long) i * MULTICALL_ENTRY_SIZE, HYPERVISOR_domctl, domctl, 0);
        }
        long direct = call(guest, HYPERVISOR_domctl, domctl, 0, 0, 0, 0);
        Assumptions.assumeTrue(direct == EPERM || direct == ENOSYS, "domctl from an unprivileged domain is not "
                + "refused when made directly either (" + XenErrno.describe(direct) + "); that is HC-01's failure");
        writePrivilegedArgument(guest, HYPERVISOR_domctl);
        Snapshot before = snapshot();
        long r = call(guest, HYPERVISOR_multicall, base, 4, 0, 0, 0);
        assertResult(0, r, "multicall of 4 domctl entries");
        for (int i = 0; i < 4; i++) {
            long got = memory.getLong(base + (long) i * MULTICALL_ENTRY_SIZE + 8);
            assertResult(direct, got, "domctl in multicall entry " + i);
            memory.setLong(base + (long) i * MULTICALL_ENTRY_SIZE + 8, 0);
        }
        before.assertUnchangedExcept("unprivileged multicall of domctl", guest, base, 4L * MULTICALL_ENTRY_SIZE);
    }

    // ---------------------------------------------------------------- HC-05

    /**
     * Rule {@linkplain HypercallRules HC-05} ({@code RULES.md#hc-05}): ops documented to return a status
     * ({@code console_io} write, {@code event_channel_op}, {@code grant_table_op}, {@code domctl},
     * {@code sysctl}, {@code sched_op} yield, {@code multicall}) return 0 or a negated Xen errno for
     * generated arguments: random sub-ops, pointers at and around the ends of memory, counts at the
     * 32-bit wrap points, from privileged and unprivileged domains. Property-based; a failure prints
     * the seed and the shrunk call.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>no op returns a count, a port or a handle through the status convention (XSA-316:
     *       a positive status was taken as success by callers that test {@code rc < 0});</li>
     *   <li>internal codes ({@code -ERESTART}, {@code -EINTR}) never reach the guest;</li>
     *   <li>no exception escapes the entry point.</li>
     * </ul>
     */
    @Test
    public void required_HC_05_statusOpsReturnOnlyZeroOrNegatedErrno() {
        long end = guest.memory().byteSize();
        var pointers = Gens.oneOf(Gens.longs(0, end + GuestMemory.PAGE_SIZE), Gens.choose(end - 8, end, -1L, Long.MIN_VALUE));
        var calls = Gens.oneOf(
                Gens.zip(Gens.uint32(), pointers, (count, p) -> new long[] {HYPERVISOR_console_io, CONSOLEIO_write, count, p}),
                Gens.zip(Gens.longs(0, 15), pointers, (cmd, p) -> new long[] {HYPERVISOR_event_channel_op, cmd, p, 0}),
                Gens.zip(Gens.longs(0, 12), pointers, (cmd, p) -> new long[] {HYPERVISOR_grant_table_op, cmd, p, 1}),
                pointers.map(p -> new long[] {HYPERVISOR_domctl, p, 0, 0}),
                pointers.map(p -> new long[] {HYPERVISOR_sysctl, p, 0, 0}),
                Gens.constant(new long[] {HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0}),
                Gens.zip(Gens.longs(0, 3), pointers, (nr, p) -> new long[] {HYPERVISOR_multicall, p, nr, 0}));
        List<DomainUnderTest> callers = callers();
        var cases = Gens.zip(Gens.ints(0, callers.size() - 1), Gens.lists(calls, 1, 8), (who, list) -> {
            List<String> shown = new ArrayList<>();
            for (long[] c : list) {
                shown.add(Arrays.toString(c));
            }
            return new CallBatch(who, list, shown);
        });
        Property.named("HC-05 status ops return 0 or -errno").forAll(cases, batch -> {
            DomainUnderTest caller = callers.get(batch.caller());
            for (long[] c : batch.calls()) {
                long r = call(caller, c[0], c[1], c[2], c[3], 0, 0);
                assertTrue(r == 0 || (r < 0 && XenErrno.ofResult(r).isPresent() && r != XenErrno.ERESTART.negated()
                                && r != XenErrno.EINTR.negated()),
                        "hypercall " + Arrays.toString(c) + " from domain " + caller.domid() + " returned "
                                + XenErrno.describe(r) + "; a status op returns 0 or a negated errno");
            }
        });
    }

    /** A generated batch of calls for HC-05, shown by its calls. */
    private record CallBatch(int caller, List<long[]> calls, List<String> shown) {
        @Override
        public String toString() {
            return "caller #" + caller + " " + shown;
        }
    }

    // ---------------------------------------------------------------- HC-06

    /**
     * Rule {@linkplain HypercallRules HC-06} ({@code RULES.md#hc-06}): {@code CONSOLEIO_write} with a count near
     * 2^32 (0xFFFFFFFF, 0xFFFFFFF0, 0x80000000, 0x7FFFFFFF ...) from a valid buffer in the last
     * frame, or with a pointer whose end wraps past 2^64, returns a negative errno and writes
     * nothing to the console; then a property checks the same for generated (offset, count) pairs
     * that run past the end of memory.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the count is an unsigned 32-bit value (not sign-extended, not an {@code int} that
     *       turns negative);</li>
     *   <li>the whole range {@code [buffer, buffer + count)} is checked, with overflow, before the
     *       first byte is copied (range checks only through one checked accessor);</li>
     *   <li>output is not emitted chunk by chunk before the range is known to be valid.</li>
     * </ul>
     */
    @Test
    public void optional_HC_06_overflowingConsoleWriteIsRejectedBeforeAnyCopy() {
        DomainUnderTest writer = guest;
        Assumptions.assumeTrue(consoleWriteWorks(writer), "console_io(write) is not available to domain "
                + writer.domid());
        GuestMemory memory = writer.memory();
        long end = memory.byteSize();
        long last = end - GuestMemory.PAGE_SIZE;
        memory.fill(last, GuestMemory.PAGE_SIZE, (byte) 'x');
        long[][] cases = {{last, 0xFFFF_FFFFL}, {last, 0xFFFF_FFFEL}, {last, 0xFFFF_FFF0L}, {last, 0x8000_0000L},
            {last, 0x8000_0001L}, {last, 0x7FFF_FFFFL}, {last, GuestMemory.PAGE_SIZE + 1L}, {end - 1, 2},
            {-256L, 0x200}, {-1L, 0xFFFF_FFFFL}, {Long.MAX_VALUE, 2}};
        for (long[] c : cases) {
            Snapshot before = snapshot();
            long r = call(writer, HYPERVISOR_console_io, CONSOLEIO_write, c[1], c[0], 0, 0);
            assertTrue(r < 0, "console_io(write, count=0x" + Long.toHexString(c[1]) + ") from 0x"
                    + Long.toHexString(c[0]) + " returned " + XenErrno.describe(r) + " instead of an error");
            before.assertUnchanged("console_io(write, count=0x" + Long.toHexString(c[1]) + ") from 0x"
                    + Long.toHexString(c[0]));
        }
        var overflowing = Gens.zip(Gens.longs(0, end - 1), Gens.uint32(), (offset, count) -> new long[] {offset, count})
                .filter(c -> c[0] + c[1] > end);
        Property.named("HC-06 console_io write past the end is rejected before any copy").forAll(
                overflowing.map(c -> new OffsetCount(c[0], c[1])), c -> {
                    Snapshot before = snapshot();
                    long r = call(writer, HYPERVISOR_console_io, CONSOLEIO_write, c.count(), c.offset(), 0, 0);
                    assertTrue(r < 0, c + " returned " + XenErrno.describe(r));
                    before.assertUnchanged(c.toString());
                });
    }

    /** A generated console_io write range for HC-06. */
    private record OffsetCount(long offset, long count) {
        @Override
        public String toString() {
            return "console_io(write, count=0x" + Long.toHexString(count) + ", buffer=0x" + Long.toHexString(offset) + ")";
        }
    }

    // ---------------------------------------------------------------- helpers

    /**
     * Whether the hypervisor under test declares a capability.
     *
     * @param capability the capability
     * @return {@code true} when declared
     */
    protected final boolean supports(Capability capability) {
        return hypervisor.capabilities().contains(capability);
    }

    /**
     * Skips the calling test (never fails it) when the capability is not declared.
     *
     * @param capability the capability the test needs
     */
    protected final void requireCapability(Capability capability) {
        Assumptions.assumeTrue(supports(capability), "capability " + capability + " not declared by "
                + hypervisor.getClass().getSimpleName());
    }

    private DomainUnderTest create(boolean privileged) {
        DomainUnderTest d = hypervisor.createDomain(new DomainConfig(domainFrames(), 2, privileged));
        assertNotNull(d, "createDomain returned null");
        assertEquals(privileged, d.privileged(), "createDomain: privilege");
        assertTrue(d.memory().frames() >= domainFrames(), "createDomain: memory smaller than asked for");
        domains.add(d);
        return d;
    }

    private List<DomainUnderTest> callers() {
        return control == null ? List.of(guest) : List.of(guest, control);
    }

    /** A buffer address in frame 1 of a domain, with guard space around it. */
    private static long bufferAddress(DomainUnderTest d) {
        return GuestMemory.PAGE_SIZE + 512L;
    }

    private static long call(DomainUnderTest d, long op, long a1, long a2, long a3, long a4, long a5) {
        try {
            return d.hypercall(0, op, a1, a2, a3, a4, a5);
        } catch (RuntimeException e) {
            throw new AssertionError("hypercall " + op + "(" + Long.toHexString(a1) + ", " + Long.toHexString(a2)
                    + ", " + Long.toHexString(a3) + ") from domain " + d.domid()
                    + " threw instead of returning an errno: " + e, e);
        }
    }

    private static void assertResult(long expected, long actual, String what) {
        assertEquals(expected, actual, () -> what + ": expected " + XenErrno.describe(expected) + " but was "
                + XenErrno.describe(actual));
    }

    private static String name(long op) {
        return op == HYPERVISOR_domctl ? "domctl" : op == HYPERVISOR_sysctl ? "sysctl" : "op " + op;
    }

    /** Writes a well-formed domctl/sysctl argument (right interface version) into frame 2; returns its address. */
    private long writePrivilegedArgument(DomainUnderTest d, long op) {
        GuestMemory m = d.memory();
        long address = GuestMemory.PAGE_SIZE * 2L + (op == HYPERVISOR_domctl ? 1024 : 2048);
        m.fill(address, 1024, (byte) 0);
        if (op == HYPERVISOR_domctl) {
            m.setInt(address, XEN_DOMCTL_getdomaininfo);
            m.setInt(address + 4, XEN_DOMCTL_INTERFACE_VERSION);
            m.setShort(address + 8, (short) bystander.domid());
        } else {
            m.setInt(address, XEN_SYSCTL_physinfo);
            m.setInt(address + 4, XEN_SYSCTL_INTERFACE_VERSION);
        }
        return address;
    }

    private static void writeEntry(GuestMemory m, long entry, long op, long arg0, long arg1) {
        m.fill(entry, MULTICALL_ENTRY_SIZE, (byte) 0);
        m.setLong(entry, op);
        m.setLong(entry + 8, 0xA5A5_A5A5_A5A5_A5A5L);
        m.setLong(entry + 16, arg0);
        m.setLong(entry + 24, arg1);
    }

    /** Fills buffer and guards, calls xen_version; null when -ENOSYS; asserts the guards. */
    private byte[] fillCallRead(DomainUnderTest d, int subOp, int size, byte pattern) {
        GuestMemory m = d.memory();
        long address = bufferAddress(d);
        m.fill(address - GUARD, size + 2L * GUARD, pattern);
        long r = call(d, HYPERVISOR_xen_version, subOp, address, 0, 0, 0);
        if (r == ENOSYS) {
            return null;
        }
        assertResult(0, r, "xen_version sub-op " + subOp);
        for (long i = 1; i <= GUARD; i++) {
            assertEquals(pattern, m.getByte(address - i), "xen_version sub-op " + subOp + " wrote " + i
                    + " bytes before its buffer");
            assertEquals(pattern, m.getByte(address + size - 1 + i), "xen_version sub-op " + subOp + " wrote "
                    + i + " bytes past its buffer");
        }
        byte[] out = new byte[size];
        m.read(address, out, 0, size);
        return out;
    }

    private static void assertTerminatedAndZeroFilled(byte[] field, String what) {
        int nul = -1;
        for (int i = 0; i < field.length; i++) {
            if (field[i] == 0) {
                nul = i;
                break;
            }
        }
        assertTrue(nul >= 0, what + ": no NUL terminator");
        for (int i = nul + 1; i < field.length; i++) {
            assertEquals(0, field[i], what + ": stale byte 0x" + Integer.toHexString(field[i] & 0xFF) + " at " + i
                    + " after the terminator at " + nul);
        }
    }

    private boolean consoleWriteWorks(DomainUnderTest d) {
        GuestMemory m = d.memory();
        long address = GuestMemory.PAGE_SIZE * 2L;
        m.write(address, "probe\n".getBytes(StandardCharsets.US_ASCII), 0, 6);
        return call(d, HYPERVISOR_console_io, CONSOLEIO_write, 6, address, 0, 0) == 0;
    }

    private Snapshot snapshot() {
        return new Snapshot();
    }

    /** Everything observable about every test domain. */
    private final class Snapshot {
        private final List<byte[]> memories = new ArrayList<>();
        private final List<byte[]> consoles = new ArrayList<>();
        private final List<long[]> upcalls = new ArrayList<>();

        Snapshot() {
            for (DomainUnderTest d : domains) {
                memories.add(d.memory().segment().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                consoles.add(supports(Capability.CONSOLE_OUTPUT) ? d.consoleOutput() : new byte[0]);
                long[] counts = new long[d.vcpus()];
                for (int v = 0; v < counts.length && supports(Capability.UPCALL_COUNT); v++) {
                    counts[v] = d.upcallCount(v);
                }
                upcalls.add(counts);
            }
        }

        void assertUnchanged(String what) {
            assertUnchangedExcept(what, null, 0, 0);
        }

        void assertUnchangedExcept(String what, DomainUnderTest owner, long from, long length) {
            Snapshot now = new Snapshot();
            for (int i = 0; i < domains.size(); i++) {
                DomainUnderTest d = domains.get(i);
                byte[] a = memories.get(i);
                byte[] b = now.memories.get(i);
                for (int j = 0; j < a.length; j++) {
                    if (a[j] != b[j] && !(d == owner && j >= from && j < from + length)) {
                        fail(what + ": changed byte 0x" + Integer.toHexString(j) + " of domain " + d.domid()
                                + " from 0x" + Integer.toHexString(a[j] & 0xFF) + " to 0x"
                                + Integer.toHexString(b[j] & 0xFF));
                    }
                }
                assertArrayEquals(consoles.get(i), now.consoles.get(i), what + ": console output of domain "
                        + d.domid() + " changed");
                assertArrayEquals(upcalls.get(i), now.upcalls.get(i), what + ": upcalls of domain " + d.domid());
            }
        }
    }
}
