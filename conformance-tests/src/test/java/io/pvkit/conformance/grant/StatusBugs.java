package io.pvkit.conformance.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GnttabCopyLayout;
import io.pvkit.abi.grant.GnttabGetVersionLayout;
import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.grant.GnttabQuerySizeLayout;
import io.pvkit.abi.grant.GnttabUnmapGrantRefLayout;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.BrokenVerification;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.Buggy;
import io.pvkit.grant.TableSize;

/**
 * The broken implementations that GNT-23 .. GNT-26 catch and the rules before them did not (each a pv-grant
 * hypervisor with one bug in its grant_table_op path); listed in
 * {@link GrantTableVerificationSelfTest#brokenImplementations()}. Not test classes themselves (nested, so no
 * runner selects them).
 */
final class StatusBugs {
    private StatusBugs() {
    }

    private static int u16(GuestMemory m, long gpa) {
        return Short.toUnsignedInt(m.getShort(gpa));
    }

    private static void status(GuestMemory m, long gpa, GrantStatus st) {
        m.setShort(gpa, (short) st.code());
    }

    // ------------------------------------------------------------------------------------------ GNT-23

    /** GNT-23: a map whose flags name neither host nor device map is taken as a host map. */
    static final class KindlessMapIsHostMap extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    long f = uops + GnttabMapGrantRefLayout.FLAGS_OFFSET;
                    int flags = is(cmd, GrantTableOp.MAP_GRANT_REF) ? c.memory().getInt(f) : GntMap.HOST_MAP;
                    if ((flags & (GntMap.HOST_MAP | GntMap.DEVICE_MAP)) != 0) {
                        return real(c, cmd, uops, count);
                    }
                    c.memory().setInt(f, flags | GntMap.HOST_MAP);
                    long rc = real(c, cmd, uops, count);
                    c.memory().setInt(f, flags);
                    return rc;
                }
            };
        }
    }

    /** GNT-23: a map naming a granter that does not exist is a general error, not GNTST_bad_domain. */
    static final class UnknownGranterIsGeneralError extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    long rc = real(c, cmd, uops, count);
                    long st = uops + GnttabMapGrantRefLayout.STATUS_OFFSET;
                    if (is(cmd, GrantTableOp.MAP_GRANT_REF) && c.memory().getShort(st) == GrantStatus.BAD_DOMAIN.code()) {
                        status(c.memory(), st, GrantStatus.GENERAL_ERROR);
                    }
                    return rc;
                }
            };
        }
    }

    /** GNT-23: a map naming DOMID_SELF as the granter maps the caller's own grant. */
    static final class SelfAsGranterIsTheCaller extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    long d = uops + GnttabMapGrantRefLayout.DOM_OFFSET;
                    if (!is(cmd, GrantTableOp.MAP_GRANT_REF) || u16(c.memory(), d) != DomId.SELF) {
                        return real(c, cmd, uops, count);
                    }
                    c.memory().setShort(d, (short) c.domid());
                    long rc = real(c, cmd, uops, count);
                    c.memory().setShort(d, (short) DomId.SELF);
                    return rc;
                }
            };
        }
    }

    /** GNT-23: an unmap refused for its host_addr or dev_bus_addr is retried as an unmap of the whole handle. */
    static final class UnmapIgnoresAddresses extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    long rc = real(c, cmd, uops, count);
                    long st = uops + GnttabUnmapGrantRefLayout.STATUS_OFFSET;
                    if (is(cmd, GrantTableOp.UNMAP_GRANT_REF) && c.memory().getShort(st) == GrantStatus.GENERAL_ERROR.code()) {
                        c.memory().setShort(st, (short) tables.unmap(c.domid(),
                                c.memory().getInt(uops + GnttabUnmapGrantRefLayout.HANDLE_OFFSET)));
                    }
                    return rc;
                }
            };
        }
    }

    /** GNT-23: an unmap naming neither part (host_addr and dev_bus_addr 0) unmaps the whole handle. */
    static final class UnmapOfNoPartUnmapsAll extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    GuestMemory m = c.memory();
                    if (is(cmd, GrantTableOp.UNMAP_GRANT_REF) && m.getLong(uops + GnttabUnmapGrantRefLayout.HOST_ADDR_OFFSET) == 0
                            && m.getLong(uops + GnttabUnmapGrantRefLayout.DEV_BUS_ADDR_OFFSET) == 0) {
                        m.setShort(uops + GnttabUnmapGrantRefLayout.STATUS_OFFSET, (short) tables.unmap(c.domid(),
                                m.getInt(uops + GnttabUnmapGrantRefLayout.HANDLE_OFFSET)));
                        return 0;
                    }
                    return real(c, cmd, uops, count);
                }
            };
        }
    }

    // ------------------------------------------------------------------------------------------ GNT-24

    /** GNT-24: the entry of reference 512 + k is looked up in the first table frame (slot k). */
    static final class FirstTableFrameOnly extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    GuestMemory m = c.memory();
                    long refAt;
                    int granter;
                    if (is(cmd, GrantTableOp.MAP_GRANT_REF)) {
                        refAt = uops + GnttabMapGrantRefLayout.REF_OFFSET;
                        granter = u16(m, uops + GnttabMapGrantRefLayout.DOM_OFFSET);
                    } else if (is(cmd, GrantTableOp.COPY) && (m.getShort(uops + GnttabCopyLayout.FLAGS_OFFSET) & GntCopy.SOURCE_GREF) != 0) {
                        refAt = uops + GnttabCopyLayout.SOURCE_OFFSET + GnttabCopyLayout.PTR_U_OFFSET;
                        granter = u16(m, uops + GnttabCopyLayout.SOURCE_OFFSET + GnttabCopyLayout.PTR_DOMID_OFFSET);
                    } else {
                        return real(c, cmd, uops, count);
                    }
                    int ref = m.getInt(refAt);
                    TableSize size = tables.querySize(granter, granter);
                    int per = GrantEntryV1Layout.ENTRIES_PER_FRAME;
                    if (!size.ok() || ref < per || ref >= size.nrFrames() * per) {
                        return real(c, cmd, uops, count);
                    }
                    m.setInt(refAt, ref % per);
                    long rc = real(c, cmd, uops, count);
                    m.setInt(refAt, ref);
                    return rc;
                }
            };
        }
    }

    // ------------------------------------------------------------------------------------------ GNT-25

    /** GNT-25: the continuation resumes one element too far, so the first element of each continued call is skipped. */
    static final class ContinuationSkipsAnElement extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long grantTableOp(HypercallContext c, long cmd, long uops, long count) {
                    long size = GrantTableOp.ofOrNull(cmd) == null ? 0 : GrantTableOp.ofOrNull(cmd).argLayout().byteSize();
                    long rc;
                    while ((rc = hypercall.grantTableOp(c, cmd, uops, count)) > 0) {
                        uops += (rc + 1) * size;
                        count -= Math.min(count, rc + 1);
                    }
                    return rc;
                }
            };
        }
    }

    /** GNT-25: an unmap batch also performs the element after its last one. */
    static final class BatchRunsOnePastTheEnd extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    long rc = real(c, cmd, uops, count);
                    if (rc == 0 && count > 1 && is(cmd, GrantTableOp.UNMAP_GRANT_REF)) {
                        real(c, cmd, uops + count * GnttabUnmapGrantRefLayout.SIZE, 1);
                    }
                    return rc;
                }
            };
        }
    }

    /** GNT-25: query_size and setup_table with any count perform one element. */
    static final class SingleOpsTakeAnyCount extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long grantTableOp(HypercallContext c, long cmd, long uops, long count) {
                    boolean single = is(cmd, GrantTableOp.QUERY_SIZE) || is(cmd, GrantTableOp.SETUP_TABLE);
                    return super.grantTableOp(c, cmd, uops, single && count < 0x8000_0000L ? 1 : count);
                }
            };
        }
    }

    // ------------------------------------------------------------------------------------------ GNT-26

    /** GNT-26: query_size answers for any domain, privileged caller or not. */
    static final class AnyoneQueriesAnySize extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    GuestMemory m = c.memory();
                    int dom = is(cmd, GrantTableOp.QUERY_SIZE) ? u16(m, uops + GnttabQuerySizeLayout.DOM_OFFSET) : DomId.SELF;
                    if (dom == DomId.SELF || dom == c.domid() || !tables.hasDomain(dom)) {
                        return real(c, cmd, uops, count);
                    }
                    TableSize s = tables.querySize(dom, dom);
                    m.setInt(uops + GnttabQuerySizeLayout.NR_FRAMES_OFFSET, s.nrFrames());
                    m.setInt(uops + GnttabQuerySizeLayout.MAX_NR_FRAMES_OFFSET, s.maxFrames());
                    m.setShort(uops + GnttabQuerySizeLayout.STATUS_OFFSET, (short) s.status());
                    return 0;
                }
            };
        }
    }

    /** GNT-26: query_size checks the privilege before the domain, so a domain that does not exist is "denied". */
    static final class PrivilegeCheckedBeforeLookup extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    long rc = real(c, cmd, uops, count);
                    long st = uops + GnttabQuerySizeLayout.STATUS_OFFSET;
                    if (is(cmd, GrantTableOp.QUERY_SIZE) && !c.privileged()
                            && c.memory().getShort(st) == GrantStatus.BAD_DOMAIN.code()) {
                        status(c.memory(), st, GrantStatus.PERMISSION_DENIED);
                    }
                    return rc;
                }
            };
        }
    }

    /** GNT-26: get_version answers version 1 for any domain id. */
    static final class GetVersionOfAnyone extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    if (is(cmd, GrantTableOp.GET_VERSION) && count == 1) {
                        c.memory().setInt(uops + GnttabGetVersionLayout.VERSION_OFFSET, 1);
                        return 0;
                    }
                    return real(c, cmd, uops, count);
                }
            };
        }
    }

    /** GNT-26: set_version accepts any version as a no-op. */
    static final class SetVersionAcceptsAnything extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    long rc = real(c, cmd, uops, count);
                    return is(cmd, GrantTableOp.SET_VERSION) ? 0 : rc;
                }
            };
        }
    }

    /** GNT-26: a privileged domain is refused another domain's size like an unprivileged one. */
    static final class PrivilegedQueryRefused extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    long rc = real(c, cmd, uops, count);
                    GuestMemory m = c.memory();
                    int dom = u16(m, uops + GnttabQuerySizeLayout.DOM_OFFSET);
                    if (is(cmd, GrantTableOp.QUERY_SIZE) && c.privileged() && dom != DomId.SELF && dom != c.domid()) {
                        status(m, uops + GnttabQuerySizeLayout.STATUS_OFFSET, GrantStatus.PERMISSION_DENIED);
                    }
                    return rc;
                }
            };
        }
    }
}
