/**
 * Event-channel conformance: the rules {@code EVT-01} .. {@code EVT-16} ({@link io.pvkit.conformance.evtchn.EventChannelRules})
 * and the verification a hypervisor under test extends ({@link io.pvkit.conformance.evtchn.EventChannelVerification}).
 */
package io.pvkit.conformance.evtchn;
