/**
 * The pvkit conformance kit: numbered rules, abstract verification classes per area, a porting SPI, hostile peers, a seeded property engine and a runner.
 */
package io.pvkit.conformance;
