/**
 * Implementation helpers of pv-events; not exported.
 */
package io.pvkit.events.internal;
