/**
 * What a platform supplies to pv-grant: access to the memory of the domains involved.
 */
package io.pvkit.grant.spi;
