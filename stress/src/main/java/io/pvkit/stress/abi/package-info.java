/**
 * jcstress tests of pv-abi's guest memory atomics.
 */
package io.pvkit.stress.abi;
