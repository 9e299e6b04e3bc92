/**
 * The reference PV guest (reference, not production).
 *
 * <p>Entry: {@link io.pvkit.guest.ReferenceGuest#entryPoint(io.pvkit.guest.GuestOptions)} gives a
 * pv-abi {@link io.pvkit.abi.spi.GuestEntryPoint}; a hypervisor runs it on vCPU 0's thread.
 *
 * <p>Concepts, one class each:
 * <ul>
 *   <li>{@link io.pvkit.guest.StartInfo} and {@link io.pvkit.guest.CommandLine}: the validated boot
 *       parameters (hypervisor-written memory, read once and range-checked);</li>
 *   <li>{@code BootSequence}: the Linux PVH boot order (HVM params, {@code shared_info},
 *       grant table, callback, demultiplexer, console), failing with {@link io.pvkit.guest.BootException};</li>
 *   <li>{@link io.pvkit.guest.EventLoop}: {@code SCHEDOP_block} plus pv-events'
 *       {@link io.pvkit.events.UpcallDemultiplexer};</li>
 *   <li>{@link io.pvkit.guest.ConsoleFrontend}: the {@code xencons_interface} rings;</li>
 *   <li>{@link io.pvkit.guest.Workload}, {@link io.pvkit.guest.EchoWorkload}: what runs after boot,
 *       through a {@link io.pvkit.guest.GuestEnvironment};</li>
 *   <li>{@link io.pvkit.guest.GuestOptions}, {@link io.pvkit.guest.GuestStats}: configuration in,
 *       live counters out.</li>
 * </ul>
 *
 * <p>Threading: everything runs on vCPU 0's thread except {@link io.pvkit.guest.GuestStats}, whose
 * getters any thread may call. Trust: the hypervisor and domain 0 are peers whose shared memory is
 * validated before use ({@code start_info}, the console ring indices, the grant frame list).
 */
package io.pvkit.guest;
