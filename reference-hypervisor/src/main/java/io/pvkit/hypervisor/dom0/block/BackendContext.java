package io.pvkit.hypervisor.dom0.block;

import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.spi.HypercallHandler;
import io.pvkit.events.UpcallDemultiplexer;
import io.pvkit.hypervisor.dom0.Dom0Kernel;
import io.pvkit.hypervisor.dom0.xenstore.LocalConnection;

import java.util.function.Consumer;

/**
 * What the block backend uses of domain 0: its xenstore connection, the hypercall wrappers and event
 * demultiplexer of its vCPU (used on that vCPU only), the grant-mapping lookup, what a worker needs to
 * make its own hypercalls as domain 0 (the entry point, domain 0's context, its memory and the frames set
 * aside for the queues), the worker threads that serve the queues, the counters, and where messages go.
 *
 * @param xs domain 0's in-process xenstore connection
 * @param vcpu the hypercall wrappers of domain 0's vCPU (vCPU thread only)
 * @param demux domain 0's event demultiplexer (vCPU thread only)
 * @param kernel the memory of domain 0's grant mappings
 * @param hypervisor the hypercall entry point
 * @param self domain 0's context (shared by the workers: it is immutable)
 * @param memory domain 0's memory
 * @param frames the frames the queues may use
 * @param workers the threads that serve the queues
 * @param counters live resources
 * @param say domain 0's console
 */
record BackendContext(LocalConnection xs, GuestHypercalls vcpu, UpcallDemultiplexer demux, Dom0Kernel kernel,
                      HypercallHandler hypervisor, HypercallContext self, GuestMemory memory, Dom0Frames frames,
                      BlockWorkers workers, BlockCounters counters, Consumer<String> say) {
}
