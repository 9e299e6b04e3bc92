/**
 * Layout of the Xen shared ring page ({@code io/ring.h}).
 */
package io.pvkit.abi.ring;
