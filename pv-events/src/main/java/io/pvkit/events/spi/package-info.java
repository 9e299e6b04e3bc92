/**
 * What a platform supplies to pv-events: how a vCPU is woken.
 */
package io.pvkit.events.spi;
