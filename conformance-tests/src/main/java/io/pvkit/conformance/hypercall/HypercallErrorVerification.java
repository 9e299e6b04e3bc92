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
 * The first rules of {@link HypercallAbiVerification}: unknown and refused operations, string buffers, and bad
 * pointers ({@code HC-01} .. {@code HC-03}). Extend {@link HypercallAbiVerification}, not this class.
 */
public abstract class HypercallErrorVerification extends HypercallAbiFixture {
    /** For subclasses. */
    protected HypercallErrorVerification() {
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
}
