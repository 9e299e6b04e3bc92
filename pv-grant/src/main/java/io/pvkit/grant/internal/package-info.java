/**
 * Implementation helpers of pv-grant; not exported.
 */
package io.pvkit.grant.internal;
