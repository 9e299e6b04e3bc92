/**
 * Implementation helpers of pv-rings; not exported.
 */
package io.pvkit.rings.internal;
