package io.pvkit.hypervisor.dom0.block;

import io.pvkit.hypervisor.dom0.BlockCounts;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** The block backend's live resources and request statistics; read from any thread. */
final class BlockCounters {
    final AtomicInteger devices = new AtomicInteger();
    final AtomicInteger mappings = new AtomicInteger();
    final AtomicInteger workers = new AtomicInteger();
    final AtomicInteger files = new AtomicInteger();
    /** Persistent-grant mappings the whole backend may still make (domain 0's maptrack is finite). */
    final AtomicInteger persistentBudget = new AtomicInteger(512);
    final LongAdder requests = new LongAdder();
    final LongAdder errors = new LongAdder();

    BlockCounts snapshot() {
        return new BlockCounts(devices.get(), mappings.get(), workers.get(), files.get());
    }
}
