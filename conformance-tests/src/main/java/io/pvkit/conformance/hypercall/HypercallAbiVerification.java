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
public abstract class HypercallAbiVerification extends HypercallErrorVerification {
    /** For subclasses. */
    protected HypercallAbiVerification() {
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
                // small counts too: a write that succeeds must return 0, not its count (uint32 alone rarely succeeds)
                Gens.zip(Gens.oneOf(Gens.uint32(), Gens.longs(1, 64)), pointers,
                        (count, p) -> new long[] {HYPERVISOR_console_io, CONSOLEIO_write, count, p}),
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
}
