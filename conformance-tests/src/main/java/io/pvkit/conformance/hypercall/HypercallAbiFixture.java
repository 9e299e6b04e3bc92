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
 * The fixture of {@link HypercallAbiVerification}: the hypervisor under test, the test domains, and the helpers
 * every hypercall check uses (calls, buffers, "no side effect" snapshots). Extend {@link HypercallAbiVerification},
 * not this class; the split only keeps each part readable.
 */
public abstract class HypercallAbiFixture {

    static final long ENOSYS = XenErrno.ENOSYS.negated();
    static final long EPERM = XenErrno.EPERM.negated();
    static final long EFAULT = XenErrno.EFAULT.negated();
    static final byte PATTERN_A = (byte) 0xA5;
    static final byte PATTERN_B = (byte) 0x5A;
    static final int GUARD = 64;

    HypervisorUnderTest hypervisor;
    DomainUnderTest guest;
    DomainUnderTest bystander;
    DomainUnderTest control;
    final List<DomainUnderTest> domains = new ArrayList<>();

    /** For subclasses. */
    protected HypercallAbiFixture() {
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

    DomainUnderTest create(boolean privileged) {
        DomainUnderTest d = hypervisor.createDomain(new DomainConfig(domainFrames(), 2, privileged));
        assertNotNull(d, "createDomain returned null");
        assertEquals(privileged, d.privileged(), "createDomain: privilege");
        assertTrue(d.memory().frames() >= domainFrames(), "createDomain: memory smaller than asked for");
        domains.add(d);
        return d;
    }

    List<DomainUnderTest> callers() {
        return control == null ? List.of(guest) : List.of(guest, control);
    }

    /** A buffer address in frame 1 of a domain, with guard space around it. */
    static long bufferAddress(DomainUnderTest d) {
        return GuestMemory.PAGE_SIZE + 512L;
    }

    static long call(DomainUnderTest d, long op, long a1, long a2, long a3, long a4, long a5) {
        try {
            return d.hypercall(0, op, a1, a2, a3, a4, a5);
        } catch (RuntimeException e) {
            throw new AssertionError("hypercall " + op + "(" + Long.toHexString(a1) + ", " + Long.toHexString(a2)
                    + ", " + Long.toHexString(a3) + ") from domain " + d.domid()
                    + " threw instead of returning an errno: " + e, e);
        }
    }

    static void assertResult(long expected, long actual, String what) {
        assertEquals(expected, actual, () -> what + ": expected " + XenErrno.describe(expected) + " but was "
                + XenErrno.describe(actual));
    }

    static String name(long op) {
        return op == HYPERVISOR_domctl ? "domctl" : op == HYPERVISOR_sysctl ? "sysctl" : "op " + op;
    }

    /** Writes a well-formed domctl/sysctl argument (right interface version) into frame 2; returns its address. */
    long writePrivilegedArgument(DomainUnderTest d, long op) {
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

    static void writeEntry(GuestMemory m, long entry, long op, long arg0, long arg1) {
        m.fill(entry, MULTICALL_ENTRY_SIZE, (byte) 0);
        m.setLong(entry, op);
        m.setLong(entry + 8, 0xA5A5_A5A5_A5A5_A5A5L);
        m.setLong(entry + 16, arg0);
        m.setLong(entry + 24, arg1);
    }

    /** Fills buffer and guards, calls xen_version; null when -ENOSYS; asserts the guards. */
    byte[] fillCallRead(DomainUnderTest d, int subOp, int size, byte pattern) {
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

    static void assertTerminatedAndZeroFilled(byte[] field, String what) {
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

    boolean consoleWriteWorks(DomainUnderTest d) {
        GuestMemory m = d.memory();
        long address = GuestMemory.PAGE_SIZE * 2L;
        m.write(address, "probe\n".getBytes(StandardCharsets.US_ASCII), 0, 6);
        return call(d, HYPERVISOR_console_io, CONSOLEIO_write, 6, address, 0, 0) == 0;
    }

    Snapshot snapshot() {
        return new Snapshot();
    }

    /** Everything observable about every test domain. */
    final class Snapshot {
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
