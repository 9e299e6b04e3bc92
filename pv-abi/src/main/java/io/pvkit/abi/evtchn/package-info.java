/**
 * Event channel ABI: EVTCHNOP numbers and argument layouts, {@code shared_info} and {@code vcpu_info}.
 */
package io.pvkit.abi.evtchn;
