/**
 * Event-channel conformance: the rules {@code EVT-01} .. {@code EVT-23}, {@code EVTG-01} .. {@code EVTG-06} and {@code FE-08}
 * ({@link io.pvkit.conformance.evtchn.EventChannelRules}), the verification a hypervisor under test extends
 * ({@link io.pvkit.conformance.evtchn.EventChannelVerification}, with the model-based {@code EVT-17}) and the
 * one a guest's upcall demultiplexer extends ({@link io.pvkit.conformance.evtchn.GuestUpcallVerification}).
 */
package io.pvkit.conformance.evtchn;
