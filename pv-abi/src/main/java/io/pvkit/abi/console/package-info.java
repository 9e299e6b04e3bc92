/**
 * PV console ring page ({@code io/console.h}).
 */
package io.pvkit.abi.console;
