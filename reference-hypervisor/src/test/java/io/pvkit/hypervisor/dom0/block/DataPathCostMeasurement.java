package io.pvkit.hypervisor.dom0.block;

import io.pvkit.abi.DomId;
import io.pvkit.abi.blkif.BlkifOp;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GnttabCopyLayout;
import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.grant.GnttabUnmapGrantRefLayout;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.hypervisor.DiskConfig;
import io.pvkit.hypervisor.Domain;
import io.pvkit.hypervisor.DomainConfig;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.HypervisorConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The rough measurement behind the data-path choice (README "Data path"): per 4 KiB page, grant copy vs
 * map + copy + unmap vs a persistent mapping, as domain 0 through the full dispatcher; and the end-to-end
 * write throughput of one queue. Not a benchmark (no JMH, no warm-up control): run on demand with
 * {@code -Dpvkit.measure=true -Dtest=DataPathCostMeasurement}.
 */
@EnabledIfSystemProperty(named = "pvkit.measure", matches = "true")
class DataPathCostMeasurement {
    private static final int N = 20_000;

    @TempDir
    Path dir;

    /** 2000 writes of 44 KiB (11 segments) on one queue, then the same reads. */
    private static String endToEnd(Hypervisor hv, Path img, String name, boolean persistent) {
        Domain g = hv.createDomain(DomainConfig.guest(name, 4096, null).withDisks(List.of(DiskConfig.writable(img))));
        BlkTestFrontend f = new BlkTestFrontend(hv, g, 51712);
        f.connect(1, 0, persistent);
        long data = f.frames(11);
        BlkTestFrontend.Seg[] segs = new BlkTestFrontend.Seg[11];
        for (int i = 0; i < 11; i++) {
            segs[i] = new BlkTestFrontend.Seg(f.dataPage(data + i, null, false), 0, 7);
        }
        StringBuilder out = new StringBuilder();
        for (BlkifOp op : new BlkifOp[] {BlkifOp.WRITE, BlkifOp.READ}) {
            List<MemorySegment> reqs = new ArrayList<>();
            int count = 2000;
            for (int i = 0; i < count; i++) {
                reqs.add(BlkTestFrontend.rw(op, (i % 300) * 88L, segs));
            }
            long t0 = System.nanoTime();
            f.submit(0, reqs);
            double secs = (System.nanoTime() - t0) / 1e9;
            out.append(String.format("%s %.0f MB/s %.0f IOPS; ", op, count * 44 * 1024 / secs / 1e6, count / secs));
        }
        hv.destroyDomain(g.domid());
        return out.toString();
    }

    @Test
    void measure() throws Exception {
        try (Hypervisor hv = Hypervisor.start(new HypervisorConfig(null, s -> { }))) {
            Path img = Files.write(dir.resolve("m.img"), new byte[16 << 20]);
            Domain g = hv.createDomain(DomainConfig.guest("m", 4096, null).withDisks(List.of(DiskConfig.writable(img))));
            BlkTestFrontend f = new BlkTestFrontend(hv, g, 51712);
            long page = f.frames(1);
            int ref = f.grant(page, false);
            Domain dom0 = hv.domain(0).orElseThrow();
            long scratch = Hypervisor.DOM0_FRAMES - 2; // far above the workers' frames
            GuestHypercalls hc = new GuestHypercalls(hv.dispatcher(), dom0.context(0), GuestMemory.gpaOf(scratch), GuestMemory.PAGE_SIZE);
            long dst = Hypervisor.DOM0_FRAMES - 1;

            MemorySegment copy = MemorySegment.ofArray(new long[(int) GnttabCopyLayout.SIZE / 8]);
            copy.set(ValueLayout.JAVA_INT, GnttabCopyLayout.SOURCE_U_REF_OFFSET, ref);
            copy.set(ValueLayout.JAVA_SHORT, GnttabCopyLayout.SOURCE_DOMID_OFFSET, (short) g.domid());
            copy.set(ValueLayout.JAVA_LONG, GnttabCopyLayout.DEST_U_GMFN_OFFSET, dst);
            copy.set(ValueLayout.JAVA_SHORT, GnttabCopyLayout.DEST_DOMID_OFFSET, (short) DomId.SELF);
            copy.set(ValueLayout.JAVA_SHORT, GnttabCopyLayout.LEN_OFFSET, (short) 4096);
            copy.set(ValueLayout.JAVA_SHORT, GnttabCopyLayout.FLAGS_OFFSET, (short) GntCopy.SOURCE_GREF);
            long t0 = System.nanoTime();
            for (int i = 0; i < N; i++) {
                assertEquals(0, hc.grantTableOp(GrantTableOp.COPY, copy));
            }
            long copyNs = (System.nanoTime() - t0) / N;

            MemorySegment map = MemorySegment.ofArray(new long[(int) GnttabMapGrantRefLayout.SIZE / 8]);
            MemorySegment unmap = MemorySegment.ofArray(new long[(int) GnttabUnmapGrantRefLayout.SIZE / 8]);
            MemorySegment target = dom0.memory().frame(dst);
            t0 = System.nanoTime();
            for (int i = 0; i < N / 4; i++) {
                map.fill((byte) 0);
                map.set(ValueLayout.JAVA_LONG, GnttabMapGrantRefLayout.HOST_ADDR_OFFSET, 0x5000_0000L);
                map.set(ValueLayout.JAVA_INT, GnttabMapGrantRefLayout.FLAGS_OFFSET, GntMap.HOST_MAP);
                map.set(ValueLayout.JAVA_INT, GnttabMapGrantRefLayout.REF_OFFSET, ref);
                map.set(ValueLayout.JAVA_SHORT, GnttabMapGrantRefLayout.DOM_OFFSET, (short) g.domid());
                assertEquals(0, hc.grantTableOp(GrantTableOp.MAP_GRANT_REF, map));
                int handle = map.get(ValueLayout.JAVA_INT, GnttabMapGrantRefLayout.HANDLE_OFFSET);
                MemorySegment.copy(hv.grantMapping(0, handle).orElseThrow(), 0, target, 0, 4096);
                unmap.set(ValueLayout.JAVA_LONG, GnttabUnmapGrantRefLayout.HOST_ADDR_OFFSET, 0x5000_0000L);
                unmap.set(ValueLayout.JAVA_INT, GnttabUnmapGrantRefLayout.HANDLE_OFFSET, handle);
                assertEquals(0, hc.grantTableOp(GrantTableOp.UNMAP_GRANT_REF, unmap));
            }
            long mapNs = (System.nanoTime() - t0) / (N / 4);

            map.fill((byte) 0);
            map.set(ValueLayout.JAVA_LONG, GnttabMapGrantRefLayout.HOST_ADDR_OFFSET, 0x5000_0000L);
            map.set(ValueLayout.JAVA_INT, GnttabMapGrantRefLayout.FLAGS_OFFSET, GntMap.HOST_MAP);
            map.set(ValueLayout.JAVA_INT, GnttabMapGrantRefLayout.REF_OFFSET, ref);
            map.set(ValueLayout.JAVA_SHORT, GnttabMapGrantRefLayout.DOM_OFFSET, (short) g.domid());
            assertEquals(0, hc.grantTableOp(GrantTableOp.MAP_GRANT_REF, map));
            MemorySegment persistent = hv.grantMapping(0, map.get(ValueLayout.JAVA_INT, GnttabMapGrantRefLayout.HANDLE_OFFSET)).orElseThrow();
            t0 = System.nanoTime();
            for (int i = 0; i < N; i++) {
                MemorySegment.copy(persistent, 0, target, 0, 4096);
            }
            long persistentNs = (System.nanoTime() - t0) / N;

            String copyPath = endToEnd(hv, img, "e2e-copy", false);
            String persistentPath = endToEnd(hv, img, "e2e-persistent", true);
            System.out.printf("grant copy 4 KiB: %d ns/page; map+copy+unmap: %d ns/page; persistent mapping copy: %d ns/page%n"
                    + "end to end, grant copy: %s%nend to end, persistent pool: %s%n", copyNs, mapNs, persistentNs,
                    copyPath, persistentPath);
        }
    }
}
