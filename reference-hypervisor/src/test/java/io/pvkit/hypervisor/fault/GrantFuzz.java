package io.pvkit.hypervisor.fault;

import io.pvkit.abi.DomId;
import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GnttabCopyLayout;
import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.grant.GnttabUnmapGrantRefLayout;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.memory.GuestMemory;

/** The fuzzer's grant-table families: its own table as a hostile granter and mapper, and maps and copies aimed at other domains' grants (each must fail). */
final class GrantFuzz {
    private final HostileFuzzer f;

    GrantFuzz(HostileFuzzer f) {
        this.f = f;
    }

    /**
     * Its own grant table as a hostile granter and mapper: entries rewritten at random (the ones domain 0
     * maps included: the console, xenstore and ring grants), maps of its own grants (kept, up to 16), unmaps
     * of kept and random f.handles, copies between its own grants, swaps, version and size queries.
     */
    void ownGrants() {
        long gt = HypercallOp.GRANT_TABLE_OP.number();
        int r = f.rnd.nextInt(2048);
        switch (f.rnd.nextInt(7)) {
            case 0, 1 -> {
                int ref = f.rnd.nextInt(4) == 0 ? f.ref() & 2047 : r;
                long entry = f.grantGpa + ref * 8L;
                int flags = f.rnd.nextInt(3) == 0 ? f.rnd.nextInt(1 << 16)
                        : GrantFlags.PERMIT_ACCESS | (f.rnd.nextBoolean() ? GrantFlags.READONLY : 0);
                int dom = f.rnd.nextBoolean() ? f.self : f.domid();
                int frame = f.rnd.nextInt(4) == 0 ? f.rnd.nextInt() : f.rnd.nextInt((int) (f.end / GuestMemory.PAGE_SIZE) + 4);
                f.mem.setInt(entry + GrantEntryV1Layout.FRAME_OFFSET, frame);
                f.mem.setShort(entry + GrantEntryV1Layout.DOMID_OFFSET, (short) dom);
                java.lang.invoke.VarHandle.releaseFence();
                f.mem.setShort(entry + GrantEntryV1Layout.FLAGS_OFFSET, (short) flags);
                f.kick(f.blk.port);
            }
            case 2 -> {
                long e = f.argSlot((int) GnttabMapGrantRefLayout.SIZE);
                int slot = f.rnd.nextInt(f.handles.length);
                long host = 0x40_0000L + slot * GuestMemory.PAGE_SIZE;
                f.mem.setLong(e + GnttabMapGrantRefLayout.HOST_ADDR_OFFSET, host);
                f.mem.setInt(e + GnttabMapGrantRefLayout.FLAGS_OFFSET, GntMap.HOST_MAP | (f.rnd.nextBoolean() ? GntMap.READONLY : 0));
                f.mem.setInt(e + GnttabMapGrantRefLayout.REF_OFFSET, f.rnd.nextInt(48));
                f.mem.setShort(e + GnttabMapGrantRefLayout.DOM_OFFSET, (short) (f.rnd.nextBoolean() ? f.self : DomId.SELF));
                long rc = f.call(gt, GrantTableOp.MAP_GRANT_REF.code(), e, 1, 0, 0);
                if (rc == 0 && f.mem.getShort(e + GnttabMapGrantRefLayout.STATUS_OFFSET) == 0 && f.handles[slot] < 0) {
                    f.handles[slot] = f.mem.getInt(e + GnttabMapGrantRefLayout.HANDLE_OFFSET);
                    f.handleAddrs[slot] = host;
                }
            }
            case 3 -> {
                long e = f.argSlot((int) GnttabUnmapGrantRefLayout.SIZE);
                int slot = f.rnd.nextInt(f.handles.length);
                boolean kept = f.handles[slot] >= 0 && f.rnd.nextInt(4) != 0;
                f.mem.setInt(e + GnttabUnmapGrantRefLayout.HANDLE_OFFSET, kept ? f.handles[slot] : f.rnd.nextInt(1100) - 10);
                f.mem.setLong(e + GnttabUnmapGrantRefLayout.HOST_ADDR_OFFSET, kept && f.rnd.nextInt(8) != 0 ? f.handleAddrs[slot] : f.rnd.nextLong());
                f.mem.setLong(e + GnttabUnmapGrantRefLayout.DEV_BUS_ADDR_OFFSET, 0);
                long rc = f.call(gt, GrantTableOp.UNMAP_GRANT_REF.code(), e, 1, 0, 0);
                if (kept && rc == 0 && f.mem.getShort(e + GnttabUnmapGrantRefLayout.STATUS_OFFSET) == 0) {
                    f.handles[slot] = -1;
                }
            }
            case 4 -> {
                long e = f.argSlot((int) GnttabCopyLayout.SIZE);
                f.fill(e, (int) GnttabCopyLayout.SIZE);
                for (long side : new long[] {GnttabCopyLayout.SOURCE_OFFSET, GnttabCopyLayout.DEST_OFFSET}) {
                    boolean byRef = f.rnd.nextBoolean();
                    if (byRef) {
                        f.mem.setInt(e + side + GnttabCopyLayout.PTR_U_OFFSET, f.rnd.nextInt(48));
                    } else {
                        f.mem.setLong(e + side + GnttabCopyLayout.PTR_U_OFFSET, f.argFirst + f.rnd.nextInt((int) HostileFuzzer.ARG_FRAMES));
                    }
                    f.mem.setShort(e + side + GnttabCopyLayout.PTR_DOMID_OFFSET, (short) (byRef && f.rnd.nextBoolean() ? f.self : DomId.SELF));
                    f.mem.setShort(e + side + GnttabCopyLayout.PTR_OFFSET_OFFSET, (short) f.rnd.nextInt(4100));
                }
                f.mem.setShort(e + GnttabCopyLayout.LEN_OFFSET, (short) f.rnd.nextInt(4100));
                f.mem.setShort(e + GnttabCopyLayout.FLAGS_OFFSET, (short) f.rnd.nextInt(4));
                f.call(gt, GrantTableOp.COPY.code(), e, 1, 0, 0);
            }
            case 5 -> {
                long e = f.argSlot(16);
                f.mem.setInt(e, f.rnd.nextInt(60));
                f.mem.setInt(e + 4, f.rnd.nextInt(60));
                f.call(gt, GrantTableOp.SWAP_GRANT_REF.code(), e, 1 + f.rnd.nextInt(2), 0, 0);
            }
            default -> {
                long e = f.argSlot(16);
                f.mem.setInt(e, f.rnd.nextInt(4));
                f.mem.setShort(e, (short) DomId.SELF);
                int[] ops = {GrantTableOp.SET_VERSION.code(), GrantTableOp.GET_VERSION.code(), GrantTableOp.QUERY_SIZE.code()};
                f.call(gt, ops[f.rnd.nextInt(ops.length)], e, 1, 0, 0);
            }
        }
    }

    void mapForeign(int victim) {
        int n = 1 + f.rnd.nextInt(4);
        long size = GnttabMapGrantRefLayout.SIZE;
        long base = f.argSlot((int) (size * n));
        for (int i = 0; i < n; i++) {
            long e = base + i * size;
            f.mem.setLong(e + GnttabMapGrantRefLayout.HOST_ADDR_OFFSET, f.rnd.nextBoolean() ? 0x10_0000L * (i + 1) : f.rnd.nextLong());
            int flags = switch (f.rnd.nextInt(4)) {
                case 0 -> GntMap.HOST_MAP;
                case 1 -> GntMap.HOST_MAP | GntMap.READONLY;
                case 2 -> GntMap.DEVICE_MAP | GntMap.HOST_MAP;
                default -> f.rnd.nextInt();
            };
            f.mem.setInt(e + GnttabMapGrantRefLayout.FLAGS_OFFSET, flags);
            f.mem.setInt(e + GnttabMapGrantRefLayout.REF_OFFSET, f.ref());
            f.mem.setShort(e + GnttabMapGrantRefLayout.DOM_OFFSET, (short) victim);
            f.mem.setShort(e + GnttabMapGrantRefLayout.STATUS_OFFSET, (short) 0x5A5A);
        }
        long rc = f.call(HypercallOp.GRANT_TABLE_OP.number(), GrantTableOp.MAP_GRANT_REF.code(), base, n, 0, 0);
        f.stats.forbiddenAttempts += n;
        if (rc == 0) {
            for (int i = 0; i < n; i++) {
                long e = base + i * size;
                short status = f.mem.getShort(e + GnttabMapGrantRefLayout.STATUS_OFFSET);
                if (status >= 0) {
                    f.stats.violation("map_grant_ref of domain " + victim + " ref "
                            + f.mem.getInt(e + GnttabMapGrantRefLayout.REF_OFFSET) + " gave status " + status);
                }
            }
        }
    }

    void copyForeign(int victim) {
        long size = GnttabCopyLayout.SIZE;
        long e = f.argSlot((int) size);
        f.fill(e, (int) size);
        boolean sourceForeign = f.rnd.nextBoolean();
        long foreign = sourceForeign ? GnttabCopyLayout.SOURCE_OFFSET : GnttabCopyLayout.DEST_OFFSET;
        long own = sourceForeign ? GnttabCopyLayout.DEST_OFFSET : GnttabCopyLayout.SOURCE_OFFSET;
        boolean byRef = f.rnd.nextInt(3) != 0;
        long foreignU = foreign + GnttabCopyLayout.PTR_U_OFFSET;
        if (byRef) {
            f.mem.setInt(e + foreignU, f.ref());
        } else {
            f.mem.setLong(e + foreignU, f.rnd.nextInt(4) == 0 ? f.rnd.nextLong() : f.rnd.nextInt(40)); // a gmfn of the victim
        }
        f.mem.setShort(e + foreign + GnttabCopyLayout.PTR_DOMID_OFFSET, (short) victim);
        f.mem.setShort(e + foreign + GnttabCopyLayout.PTR_OFFSET_OFFSET, (short) (f.rnd.nextBoolean() ? 0 : f.rnd.nextInt(4200)));
        f.mem.setLong(e + own + GnttabCopyLayout.PTR_U_OFFSET, f.argFirst + f.rnd.nextInt((int) HostileFuzzer.ARG_FRAMES));
        f.mem.setShort(e + own + GnttabCopyLayout.PTR_DOMID_OFFSET, (short) DomId.SELF);
        f.mem.setShort(e + own + GnttabCopyLayout.PTR_OFFSET_OFFSET, (short) 0);
        int len = f.rnd.nextBoolean() ? 8 : f.rnd.nextInt(4200);
        f.mem.setShort(e + GnttabCopyLayout.LEN_OFFSET, (short) len);
        int flags = (byRef ? (sourceForeign ? GntCopy.SOURCE_GREF : GntCopy.DEST_GREF) : 0)
                | (f.rnd.nextInt(4) == 0 ? f.rnd.nextInt(4) : 0);
        f.mem.setShort(e + GnttabCopyLayout.FLAGS_OFFSET, (short) flags);
        f.mem.setShort(e + GnttabCopyLayout.STATUS_OFFSET, (short) 0x5A5A);
        long rc = f.call(HypercallOp.GRANT_TABLE_OP.number(), GrantTableOp.COPY.code(), e, 1, 0, 0);
        f.stats.forbiddenAttempts++;
        short status = f.mem.getShort(e + GnttabCopyLayout.STATUS_OFFSET);
        if (rc == 0 && status >= 0 && len != 0) { // a zero-length copy succeeds touching nothing (Xen a4a790f432)
            f.stats.violation("grant copy of " + len + " bytes " + (sourceForeign ? "from" : "to") + " domain " + victim + " ("
                    + (byRef ? "ref" : "gmfn") + ", flags " + flags + ") gave status " + status);
        }
    }
}
