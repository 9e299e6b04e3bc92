package io.pvkit.conformance.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GnttabCopyLayout;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.BuggyVerification;
import io.pvkit.conformance.spi.HypervisorUnderTest;

import java.util.List;

/**
 * The broken implementations that GNT-27's copy cases at a reference's first and later use ({@link CopyPaths})
 * catch and the kit before them did not (survivors of pv-grant's copy paths in session 7's whole-module PIT run),
 * each planted as a pv-grant hypervisor with one bug, listed in
 * {@link GrantTableVerificationSelfTest#brokenImplementations()}.
 */
final class CopyPathBugs {
    private CopyPathBugs() {
    }

    /**
     * A source named as a reference of the caller's own table ({@code DOMID_SELF} with GNTCOPY_source_gref) is taken
     * for a frame numbered like the reference: the flag is read only for other domains' sides (pv-grant's
     * {@code CopyOperation.fastCopy} 87 with the flag test removed).
     */
    static final class SelfGrantCopiedAsFrame extends BuggyVerification {
        SelfGrantCopiedAsFrame() {
            super((b, c, cmd, uops, count) -> {
                GuestMemory m = c.memory();
                if (count == 1 && is(cmd, GrantTableOp.COPY)) {
                    int flags = Short.toUnsignedInt(m.getShort(uops + GnttabCopyLayout.FLAGS_OFFSET));
                    int srcDomid = Short.toUnsignedInt(m.getShort(uops + GnttabCopyLayout.SOURCE_DOMID_OFFSET));
                    if ((flags & GntCopy.SOURCE_GREF) != 0 && srcDomid == DomId.SELF) {
                        long ref = Integer.toUnsignedLong(m.getInt(uops + GnttabCopyLayout.SOURCE_U_REF_OFFSET));
                        m.setLong(uops + GnttabCopyLayout.SOURCE_U_GMFN_OFFSET, ref);
                        m.setShort(uops + GnttabCopyLayout.FLAGS_OFFSET, (short) (flags & ~GntCopy.SOURCE_GREF));
                    }
                }
                return b.real(c, cmd, uops, count);
            });
        }
    }

    /**
     * GNT-22: a copy by a dying domain takes its fast path without checking that the caller is live (pv-grant's
     * {@code CopyOperation.fastCopy} 75 removed), and the internal error (a {@code NullPointerException} on the
     * missing domain) is caught and answered as a general error, which the {@code unexpectedErrors} hook reports. The
     * kit never made a dying domain copy before.
     */
    static final class DyingCallerCopyHitsAnInternalError extends BuggyVerification {
        DyingCallerCopyHitsAnInternalError() {
            super((b, c, cmd, uops, count) -> {
                GuestMemory m = c.memory();
                if (count == 1 && is(cmd, GrantTableOp.COPY)
                        && b.tables.querySize(c.domid(), DomId.SELF).status() == GrantStatus.BAD_DOMAIN.code()) {
                    b.reportError(new NullPointerException("the grant state of dying domain " + c.domid()));
                    m.setShort(uops + GnttabCopyLayout.STATUS_OFFSET, (short) GrantStatus.GENERAL_ERROR.code());
                    return 0;
                }
                return b.real(c, cmd, uops, count);
            });
        }

        @Override
        protected List<Throwable> unexpectedErrors(HypervisorUnderTest hypervisor) {
            return ((PvGrantHypervisor) hypervisor).errors();
        }
    }
}
