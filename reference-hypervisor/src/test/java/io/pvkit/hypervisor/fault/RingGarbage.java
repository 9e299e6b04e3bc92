package io.pvkit.hypervisor.fault;

import io.pvkit.abi.blkif.BlkifOp;
import io.pvkit.abi.console.XenconsInterfaceLayout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.ring.SharedRingLayout;
import io.pvkit.abi.xenstore.XenstoreDomainInterfaceLayout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/** The fuzzer's ring family: garbage on its own console, xenstore and blkif rings (bytes, frames, requests, indices), each followed by a notification. */
final class RingGarbage {
    private final HostileFuzzer f;

    RingGarbage(HostileFuzzer f) {
        this.f = f;
    }

    /** Garbage on one of its rings, then a kick. */
    void ringGarbage() {
        f.stats.ringWrites++;
        switch (f.rnd.nextInt(3)) {
            case 0 -> consoleGarbage();
            case 1 -> xenstoreGarbage();
            default -> blkifGarbage();
        }
    }

    private void consoleGarbage() {
        long out = f.consoleGpa + XenconsInterfaceLayout.OUT_OFFSET;
        int prod = f.mem.getInt(f.consoleGpa + XenconsInterfaceLayout.OUT_PROD_OFFSET);
        int n = f.rnd.nextInt(48);
        for (int i = 0; i < n; i++) {
            int c = f.rnd.nextInt(4) == 0 ? '\n' : f.rnd.nextInt(256);
            f.mem.setByte(out + ((prod + i) & 2047), (byte) c);
        }
        int newProd = prod + n;
        if (f.late && f.rnd.nextInt(200) == 0) {
            newProd = f.rnd.nextInt(); // a corrupt index: breaks its own console only
        }
        f.mem.setIntRelease(f.consoleGpa + XenconsInterfaceLayout.OUT_PROD_OFFSET, newProd);
        if (f.rnd.nextInt(8) == 0) {
            f.mem.setInt(f.consoleGpa + XenconsInterfaceLayout.IN_CONS_OFFSET, f.rnd.nextInt());
        }
        f.kick(f.g.consolePort);
    }

    private void xenstoreGarbage() {
        // drop whatever replies came back, so that the server keeps reading requests
        f.mem.setIntRelease(f.storeGpa + XenstoreDomainInterfaceLayout.RSP_CONS_OFFSET,
                f.mem.getIntAcquire(f.storeGpa + XenstoreDomainInterfaceLayout.RSP_PROD_OFFSET));
        int cons = f.mem.getIntAcquire(f.storeGpa + XenstoreDomainInterfaceLayout.REQ_CONS_OFFSET);
        int prod = f.mem.getInt(f.storeGpa + XenstoreDomainInterfaceLayout.REQ_PROD_OFFSET);
        String[] paths = {"/local/domain/" + f.others[f.rnd.nextInt(f.others.length)], "/local/domain/0/backend/vbd",
            "/local/domain/" + f.others[f.rnd.nextInt(f.others.length)] + "/device/vbd/51712/state", "@releaseDomain",
            "/local/domain/" + f.self + "/x", "/", "//", "/local/domain/" + f.others[f.rnd.nextInt(f.others.length)] + "/data/k1",
            "/tool/xenstored", "../../" + f.others[f.rnd.nextInt(f.others.length)]};
        String path = paths[f.rnd.nextInt(paths.length)];
        int type = f.rnd.nextInt(8) == 0 ? f.rnd.nextInt() : f.rnd.nextInt(32);
        boolean frontendWrite = f.rnd.nextInt(3) == 0;
        if (frontendWrite) {
            // its own frontends' nodes: the backends read these (state changes, ring references, ports, orders)
            String[] keys = {"state", "ring-ref", "event-channel", "ring-page-order", "multi-queue-num-queues", "protocol",
                "feature-persistent", "queue-0/ring-ref", "queue-0/event-channel", "queue-1/ring-ref", "ring-ref0",
                "ring-ref1"};
            String[] values = {"1", "2", "3", "4", "5", "6", "0", "-1", "4294967296", "99999999999", "x86_32-abi",
                "", Integer.toString(f.rnd.nextInt()), Integer.toString(f.rnd.nextInt(48)), Integer.toString(f.rnd.nextInt(64))};
            String dev = f.rnd.nextInt(4) == 0 ? "device/pvkit-echo/0/" : "device/vbd/51712/";
            path = "/local/domain/" + f.self + "/" + dev + keys[f.rnd.nextInt(keys.length)] + "\0"
                    + values[f.rnd.nextInt(values.length)];
            type = 11; // XS_WRITE
        }
        byte[] body = frontendWrite ? path.getBytes(StandardCharsets.ISO_8859_1) : switch (f.rnd.nextInt(4)) {
            case 0 -> (path + "\0").getBytes(StandardCharsets.ISO_8859_1);
            case 1 -> (path + "\0v" + f.rnd.nextInt()).getBytes(StandardCharsets.ISO_8859_1);
            case 2 -> (path + "\0" + "b" + f.others[f.rnd.nextInt(f.others.length)] + "\0").getBytes(StandardCharsets.ISO_8859_1);
            default -> {
                byte[] b = new byte[f.rnd.nextInt(64)];
                f.rnd.nextBytes(b);
                yield b;
            }
        };
        int len = body.length;
        if (f.late && f.rnd.nextInt(100) == 0) {
            len = 4097 + f.rnd.nextInt(1 << 20); // too long: the server stops this ring
        }
        int frame = 16 + body.length;
        if (1024 - (prod - cons) < frame || prod - cons < 0 || prod - cons > 1024) {
            f.kick(f.blk.storePort);
            return;
        }
        byte[] raw = new byte[frame];
        MemorySegment header = MemorySegment.ofArray(raw);
        header.set(ValueLayout.JAVA_INT_UNALIGNED, 0, type);
        header.set(ValueLayout.JAVA_INT_UNALIGNED, 4, f.rnd.nextInt());
        header.set(ValueLayout.JAVA_INT_UNALIGNED, 8, f.rnd.nextInt(4) == 0 ? f.rnd.nextInt() : 0);
        header.set(ValueLayout.JAVA_INT_UNALIGNED, 12, len);
        System.arraycopy(body, 0, raw, 16, body.length);
        long req = f.storeGpa + XenstoreDomainInterfaceLayout.REQ_OFFSET;
        for (int i = 0; i < frame; i++) {
            f.mem.setByte(req + ((prod + i) & 1023), raw[i]);
        }
        int newProd = prod + frame;
        if (f.late && f.rnd.nextInt(500) == 0) {
            newProd = f.rnd.nextInt();
        }
        f.mem.setIntRelease(f.storeGpa + XenstoreDomainInterfaceLayout.REQ_PROD_OFFSET, newProd);
        f.kick(f.blk.storePort);
    }

    private void blkifGarbage() {
        long ring = GuestMemory.gpaOf(HostileFuzzer.RING_FRAME);
        int prod = f.mem.getInt(ring + SharedRingLayout.REQ_PROD_OFFSET);
        int rsp = f.mem.getIntAcquire(ring + SharedRingLayout.RSP_PROD_OFFSET);
        int n = prod - rsp >= 0 && prod - rsp < 16 ? 1 + f.rnd.nextInt(3) : 0;
        for (int i = 0; i < n; i++) {
            long slot = ring + SharedRingLayout.HEADER_SIZE + ((prod + i) & 31) * 112L;
            for (int o = 0; o < 112; o += 8) {
                f.mem.setLong(slot + o, f.rnd.nextLong());
            }
            int[] ops = {BlkifOp.READ.code(), BlkifOp.WRITE.code(), BlkifOp.INDIRECT.code(), BlkifOp.DISCARD.code(),
                BlkifOp.FLUSH_DISKCACHE.code(), f.rnd.nextInt(256)};
            f.mem.setByte(slot, (byte) ops[f.rnd.nextInt(ops.length)]);
            if (f.rnd.nextBoolean()) {
                f.mem.setByte(slot + 1, (byte) f.rnd.nextInt(13));
                f.mem.setLong(slot + 16, f.rnd.nextBoolean() ? f.rnd.nextInt(2048) : f.rnd.nextLong());
                for (int s = 0; s < 11; s++) {
                    long seg = slot + 24 + s * 8L;
                    f.mem.setInt(seg, f.ref());
                    f.mem.setByte(seg + 4, (byte) f.rnd.nextInt(9));
                    f.mem.setByte(seg + 5, (byte) f.rnd.nextInt(9));
                }
            }
        }
        int newProd = prod + n;
        if (f.late && f.rnd.nextInt(300) == 0) {
            newProd = prod + 33 + f.rnd.nextInt(1 << 30); // an overflowing producer: breaks its own ring
        }
        f.mem.setIntRelease(ring + SharedRingLayout.REQ_PROD_OFFSET, newProd);
        if (f.rnd.nextInt(4) == 0) {
            f.mem.setInt(ring + SharedRingLayout.REQ_EVENT_OFFSET, f.rnd.nextInt());
        }
        f.kick(f.blk.port);
    }
}
