/**
 * Xen event channels: per-domain port tables, the EVTCHNOP operations, 2-level delivery and the guest upcall demultiplexer.
 */
package io.pvkit.events;
