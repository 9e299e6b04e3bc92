/**
 * jcstress tests of the memory ordering of pvkit's shared-memory protocols.
 */
package io.pvkit.stress;
