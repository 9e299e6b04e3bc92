/**
 * A reference PV guest: boot, xenbus, frontends and workloads (reference, not production).
 */
package io.pvkit.guest;
