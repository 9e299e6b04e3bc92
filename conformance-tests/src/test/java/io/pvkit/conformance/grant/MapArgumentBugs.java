package io.pvkit.conformance.grant;

import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.BuggyVerification;

/**
 * Broken checks of map arguments that the kit passed before GNT-01 mapped the references at the table's ends and GNT-23
 * mapped with {@code GNTMAP_contains_pte}; listed in {@link GrantTableVerificationSelfTest#brokenImplementations()}. Not
 * test classes themselves (nested, so no runner selects them).
 */
final class MapArgumentBugs {
    private MapArgumentBugs() {
    }

    /** GNT-01: the lower bound of the range check is {@code ref <= 0}: reference 0 is "bad gntref" (the console page). */
    static final class RefZeroIsBadGntref extends BuggyVerification {
        RefZeroIsBadGntref() {
            super((b, c, cmd, uops, count) -> {
                if (count == 1 && is(cmd, GrantTableOp.MAP_GRANT_REF)
                        && c.memory().getInt(uops + GnttabMapGrantRefLayout.REF_OFFSET) == 0) {
                    c.memory().setShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET,
                            (short) GrantStatus.BAD_GNTREF.code());
                    return 0;
                }
                return b.real(c, cmd, uops, count);
            });
        }
    }

    /**
     * GNT-23: {@code GNTMAP_contains_pte} is ignored: host_addr is taken for the mapping's address, not for a page-table
     * entry to write, and the map succeeds as a plain host map.
     */
    static final class ContainsPteIgnored extends BuggyVerification {
        ContainsPteIgnored() {
            super((b, c, cmd, uops, count) -> {
                long at = uops + GnttabMapGrantRefLayout.FLAGS_OFFSET;
                if (count == 1 && is(cmd, GrantTableOp.MAP_GRANT_REF)
                        && (c.memory().getInt(at) & GntMap.CONTAINS_PTE) != 0) {
                    c.memory().setInt(at, c.memory().getInt(at) & ~GntMap.CONTAINS_PTE);
                }
                return b.real(c, cmd, uops, count);
            });
        }
    }
}
