package io.pvkit.conformance.grant;

import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantStatus;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GNT-04's check of the busy bits over several mappings of one entry, of mixed kinds (host or device, read-only or
 * writable): after every map and every unmap, in several unmap orders, GTF_reading is set exactly while a mapping is
 * left and GTF_writing exactly while a writable one is. A deterministic model of the pin counts: whatever the counters
 * are, the bits are what the guest sees of them.
 */
final class PinAccounting {
    private static final int OKAY = GrantStatus.OKAY.code();
    private static final int HOST = GntMap.HOST_MAP;
    private static final int DEVICE = GntMap.DEVICE_MAP;
    private static final int RO = GntMap.READONLY;

    private final GrantDomain granter;
    private final GrantDomain mapper;

    /**
     * @param granter the domain whose entry is mapped (it grants the entry writable)
     * @param mapper the grantee that maps it
     */
    PinAccounting(GrantDomain granter, GrantDomain mapper) {
        this.granter = granter;
        this.mapper = mapper;
    }

    /**
     * Grants {@code ref} writable to the mapper, then for each unmap order: maps every kind of {@code kinds} in their
     * order (checking the busy bits after each map: a writable map of an entry pinned read-only sets GTF_writing), and
     * unmaps them in that order (checking the busy bits after each unmap). The entry is idle and revocable at the end.
     *
     * @param ref the granter's reference to use
     * @param kinds the GNTMAP flags of each mapping
     * @param orders unmap orders, each a permutation of the indices of {@code kinds}
     */
    void mapAndUnmapInOrders(int ref, int[] kinds, int[]... orders) {
        granter.grant(ref, mapper.domid(), granter.data(1), false);
        for (int[] order : orders) {
            String what = "mappings " + describe(kinds) + " of one entry, unmapped in the order " + Arrays.toString(order);
            GrantDomain.Mapped[] m = new GrantDomain.Mapped[kinds.length];
            boolean[] live = new boolean[kinds.length];
            for (int i = 0; i < kinds.length; i++) {
                m[i] = mapper.map(granter.domid(), ref, kinds[i], hostAddr(kinds[i], i));
                assertEquals(OKAY, m[i].status(), what + ": map " + i + " (" + describe(kinds[i]) + ")");
                live[i] = true;
                assertEquals(busy(kinds, live), granter.busy(ref), what + ": the busy bits after map " + i + " ("
                        + describe(kinds[i]) + ") with " + describeLive(kinds, live) + " live");
            }
            for (int i : order) {
                long dev = (kinds[i] & DEVICE) != 0 ? m[i].devBusAddr() : 0;
                assertEquals(OKAY, mapper.unmap(m[i].handle(), hostAddr(kinds[i], i), dev), what + ": unmap of "
                        + i + " (" + describe(kinds[i]) + ")");
                live[i] = false;
                assertEquals(busy(kinds, live), granter.busy(ref), what + ": the busy bits after the unmap of " + i
                        + " (" + describe(kinds[i]) + ") with " + describeLive(kinds, live) + " left");
            }
        }
        assertTrue(granter.revoke(ref), "the granter revokes the entry after every mapping was unmapped");
    }

    private static int busy(int[] kinds, boolean[] live) {
        int bits = 0;
        for (int i = 0; i < kinds.length; i++) {
            if (live[i]) {
                bits |= GrantFlags.READING | ((kinds[i] & RO) == 0 ? GrantFlags.WRITING : 0);
            }
        }
        return bits;
    }

    private static long hostAddr(int flags, int i) {
        return (flags & HOST) != 0 ? 0x30_0000L + 0x1000L * i : 0;
    }

    private static String describe(int flags) {
        return ((flags & HOST) != 0 ? "host" : "") + ((flags & HOST) != 0 && (flags & DEVICE) != 0 ? "+" : "")
                + ((flags & DEVICE) != 0 ? "device" : "") + ((flags & RO) != 0 ? " read-only" : " writable");
    }

    private static String describe(int[] kinds) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < kinds.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(i).append(": ").append(describe(kinds[i]));
        }
        return sb.append(']').toString();
    }

    private static String describeLive(int[] kinds, boolean[] live) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < kinds.length; i++) {
            if (live[i]) {
                sb.append(sb.length() == 1 ? "" : ", ").append(i);
            }
        }
        return sb.append(']').toString();
    }
}
