/**
 * Event channel ABI ({@code xen/event_channel.h}, {@code xen/xen.h}): the {@code EVTCHNOP_*} commands
 * ({@link io.pvkit.abi.evtchn.EvtchnOp}, each with its argument layout), port states
 * ({@link io.pvkit.abi.evtchn.EvtchnStatus}), virtual IRQs ({@link io.pvkit.abi.evtchn.Virq}), one
 * {@code Evtchn*Layout} per argument structure, and the 2-level ABI's {@code shared_info} and
 * {@code vcpu_info}.
 */
package io.pvkit.abi.evtchn;
