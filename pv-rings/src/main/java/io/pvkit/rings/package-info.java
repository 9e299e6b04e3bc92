/**
 * Xen-compatible shared-memory request/response rings and byte-stream rings.
 */
package io.pvkit.rings;
