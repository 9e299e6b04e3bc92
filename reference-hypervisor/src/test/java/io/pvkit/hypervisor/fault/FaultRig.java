package io.pvkit.hypervisor.fault;

import io.pvkit.hypervisor.DiskConfig;
import io.pvkit.hypervisor.Domain;
import io.pvkit.hypervisor.DomainConfig;
import io.pvkit.hypervisor.FaultAccess;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.internal.MemoryMap;
import io.pvkit.abi.spi.GuestEntryPoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Shared set-up of the fault tests: guests with disks, domain 0's quiet frames, waiting on latches. */
final class FaultRig {
    /** Domain 0 frames its services never use with few block queues: 0, 3..7 and the upper 3/4. */
    static long[] dom0QuietFrames(Hypervisor hv) {
        Domain dom0 = hv.domain(0).orElseThrow();
        MemoryMap map = FaultAccess.record(dom0).map;
        List<Long> frames = new ArrayList<>(List.of(0L, 3L, 4L, 5L, 6L, 7L));
        for (long f = Hypervisor.DOM0_FRAMES / 4; f < Hypervisor.DOM0_FRAMES; f++) {
            frames.add(f);
        }
        frames.add(map.startInfoGfn());
        for (int i = 0; i < map.grantFrames(); i++) {
            frames.add(map.grantBaseGfn() + i);
        }
        return frames.stream().mapToLong(Long::longValue).toArray();
    }

    static Domain guest(Hypervisor hv, String name, long frames, GuestEntryPoint entry, Path disk) {
        DomainConfig c = DomainConfig.guest(name, frames, entry);
        if (disk != null) {
            c = c.withDisks(List.of(DiskConfig.writable(disk)));
        }
        return hv.createDomain(c);
    }

    static Path disk(Path dir, String name, int mib) throws IOException {
        return Files.write(dir.resolve(name + ".img"), new byte[mib << 20]);
    }

    static void await(CountDownLatch latch, String what, Domain d) throws InterruptedException {
        if (!latch.await(60, TimeUnit.SECONDS)) {
            throw new AssertionError(what + " not reached; " + d.info());
        }
    }

    private FaultRig() {
    }
}
