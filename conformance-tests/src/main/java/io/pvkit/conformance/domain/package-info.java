/**
 * Domain death (rules DOM-xx): what destroying a domain leaves for the domains that survive it
 * ({@link io.pvkit.conformance.domain.DomainDeathVerification}, through the porting SPI of
 * {@link io.pvkit.conformance.spi}), and what happens when a guest running in its own process vanishes while its
 * hypercall mailbox shows a hypercall in progress.
 */
package io.pvkit.conformance.domain;
