/**
 * What a ring's user may plug in: how a peer is notified.
 */
package io.pvkit.rings.spi;
