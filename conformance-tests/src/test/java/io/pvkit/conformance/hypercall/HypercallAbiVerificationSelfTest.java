package io.pvkit.conformance.hypercall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.RuleCatalogue;
import io.pvkit.conformance.selftest.SelfTest;
import io.pvkit.conformance.selftest.SelfTestReport;
import io.pvkit.conformance.spi.Capability;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Each HC rule catches a deliberately broken handler, and only that rule fails. */
class HypercallAbiVerificationSelfTest {

    // ------------------------------------------------------------ broken handlers, one bug each

    /** HC-01: an unknown hypercall number "succeeds". */
    static final class UnknownOpReturnsZero extends MiniHandler {
        @Override
        long unknownOp(HypercallContext c, long op) {
            return 0;
        }
    }

    /** HC-01: an unknown event_channel_op sub-op answers -EINVAL instead of -ENOSYS. */
    static final class UnknownSubOpReturnsEinval extends MiniHandler {
        @Override
        long eventChannelOp(HypercallContext c, int cmd, long arg) {
            return cmd < 0 || cmd > 15 ? EINVAL : super.eventChannelOp(c, cmd, arg);
        }
    }

    /** HC-01: domctl/sysctl without a privilege check. */
    static final class NoPrivilegeCheck extends MiniHandler {
        @Override
        boolean privilegeGranted(HypercallContext c) {
            return true;
        }
    }

    /** HC-02: extraversion copies only strlen + 1 bytes, leaving stale bytes after the terminator. */
    static final class ShortStringCopy extends MiniHandler {
        @Override
        long copyString(HypercallContext c, long arg, int size, String value) {
            MemorySegment out = MemorySegment.ofArray(new byte[value.length() + 1]);
            putString(out, 0, value.length() + 1, value);
            c.copyOut(arg, out);
            return 0;
        }
    }

    /** HC-03: xen_version swallows a bad output pointer and reports success. */
    static final class SwallowsBadPointer extends MiniHandler {
        @Override
        long xenVersion(HypercallContext c, int cmd, long arg) {
            try {
                return super.xenVersion(c, cmd, arg);
            } catch (io.pvkit.abi.memory.GuestMemoryFault fault) {
                return 0;
            }
        }
    }

    /** HC-04: multicall elements run with the privileged flag set (XSA-213 shape). */
    static final class MulticallRunsPrivileged extends MiniHandler {
        @Override
        HypercallContext elementContext(HypercallContext c) {
            return new HypercallContext(c.domid(), c.vcpu(), true, c.memory(), c.translator());
        }
    }

    /** HC-05: console_io write returns the number of bytes written (a positive status). */
    static final class ConsoleWriteReturnsCount extends MiniHandler {
        @Override
        long consoleWrite(HypercallContext c, long count, long buffer) {
            long r = super.consoleWrite(c, count, buffer);
            return r == 0 ? count : r;
        }
    }

    /** HC-06: the console count is taken as a signed int, so counts of 2^31 and more are "nothing to do". */
    static final class SignedConsoleCount extends MiniHandler {
        @Override
        long consoleWrite(HypercallContext c, long count, long buffer) {
            int n = (int) count;
            if (n <= 0) {
                return 0;
            }
            return super.consoleWrite(c, n, buffer);
        }
    }

    // ------------------------------------------------------------ concrete verifications

    static final class Correct extends HypercallAbiVerification {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new MiniHypervisor(new MiniHandler());
        }
    }

    static final class CorrectWithoutOptionalCapabilities extends HypercallAbiVerification {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new MiniHypervisor(new MiniHandler(), EnumSet.noneOf(Capability.class));
        }
    }

    static final class BrokenUnknownOp extends HypercallAbiVerification {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new MiniHypervisor(new UnknownOpReturnsZero());
        }
    }

    static final class BrokenUnknownSubOp extends HypercallAbiVerification {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new MiniHypervisor(new UnknownSubOpReturnsEinval());
        }
    }

    static final class BrokenPrivilegeCheck extends HypercallAbiVerification {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new MiniHypervisor(new NoPrivilegeCheck());
        }
    }

    static final class BrokenOutputBuffer extends HypercallAbiVerification {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new MiniHypervisor(new ShortStringCopy());
        }
    }

    static final class BrokenPointerCheck extends HypercallAbiVerification {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new MiniHypervisor(new SwallowsBadPointer());
        }
    }

    static final class BrokenMulticallPrivilege extends HypercallAbiVerification {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new MiniHypervisor(new MulticallRunsPrivileged());
        }
    }

    static final class BrokenStatusSign extends HypercallAbiVerification {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new MiniHypervisor(new ConsoleWriteReturnsCount());
        }
    }

    static final class BrokenLengthCheck extends HypercallAbiVerification {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new MiniHypervisor(new SignedConsoleCount());
        }
    }

    // ------------------------------------------------------------ self-tests

    private static Set<String> hcRules() {
        Set<String> ids = new TreeSet<>();
        RuleCatalogue.all().stream().filter(r -> r.id().startsWith("HC-")).forEach(r -> ids.add(r.id()));
        return ids;
    }

    private static void assertOnlyFails(String rule, Class<?> verification) {
        SelfTestReport report = SelfTest.run(verification);
        assertEquals(Set.of(rule), report.failedRules(), report::toString);
        assertTrue(report.unmappedProblems().isEmpty(), report::toString);
        assertTrue(!report.failuresOf(rule).isEmpty());
    }

    @Test
    void shouldPassEveryHypercallRuleWithTheCorrectHandler() {
        SelfTestReport report = SelfTest.run(Correct.class);
        assertEquals(Set.of(), report.failedRules(), report::toString);
        assertEquals(hcRules(), report.passedRules(), report::toString);
    }

    @Test
    void shouldSkipNotFailRulesNeedingUndeclaredCapabilities() {
        SelfTestReport report = SelfTest.run(CorrectWithoutOptionalCapabilities.class);
        assertEquals(Set.of(), report.failedRules(), report::toString);
        assertEquals(Set.of("HC-02", "HC-03", "HC-04"), report.skippedRules(), report::toString);
        assertTrue(report.results().stream().filter(r -> "HC-02".equals(r.ruleId()))
                .anyMatch(r -> r.reason().contains("CONSOLEIO_read not available")), report::toString);
        assertTrue(report.results().stream().filter(r -> "HC-03".equals(r.ruleId()))
                .anyMatch(r -> r.reason().contains("capability MULTICALL not declared")), report::toString);
    }

    @Test
    void required_HC_01_shouldFailBy_unknownHypercallReturningZero() {
        assertOnlyFails("HC-01", BrokenUnknownOp.class);
    }

    @Test
    void required_HC_01_shouldFailBy_unknownSubOpReturningEinval() {
        assertOnlyFails("HC-01", BrokenUnknownSubOp.class);
    }

    @Test
    void required_HC_01_shouldFailBy_missingPrivilegeCheck() {
        assertOnlyFails("HC-01", BrokenPrivilegeCheck.class);
    }

    @Test
    void required_HC_02_shouldFailBy_staleBytesAfterTheTerminator() {
        assertOnlyFails("HC-02", BrokenOutputBuffer.class);
    }

    @Test
    void required_HC_03_shouldFailBy_swallowedBadPointer() {
        assertOnlyFails("HC-03", BrokenPointerCheck.class);
    }

    @Test
    void required_HC_04_shouldFailBy_multicallElementsRunPrivileged() {
        assertOnlyFails("HC-04", BrokenMulticallPrivilege.class);
    }

    @Test
    void required_HC_05_shouldFailBy_positiveStatusFromConsoleWrite() {
        assertOnlyFails("HC-05", BrokenStatusSign.class);
    }

    @Test
    void required_HC_06_shouldFailBy_signedCountTreatedAsNothingToDo() {
        assertOnlyFails("HC-06", BrokenLengthCheck.class);
    }
}
