/**
 * jcstress tests of the ordering of pv-rings: no lost wake-up between push-and-check and the final
 * check (RING-10), and slots visible before their producer index (RING-11).
 */
package io.pvkit.stress.ring;
