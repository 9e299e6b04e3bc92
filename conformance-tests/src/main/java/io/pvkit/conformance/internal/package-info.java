/**
 * Implementation helpers of the conformance kit; not exported.
 */
package io.pvkit.conformance.internal;
