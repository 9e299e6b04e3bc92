/**
 * jcstress tests of pv-events' 2-level delivery: send versus the guest's scan, unmask versus send.
 */
package io.pvkit.stress.evtchn;
