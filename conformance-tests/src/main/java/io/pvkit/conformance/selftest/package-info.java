/**
 * Runs concrete verification classes through the JUnit Platform launcher and reports per rule
 * (worst wins: SUCCESS, SKIP, ERROR, FAILURE); the kit's self-tests use it to show that every rule
 * catches a deliberately broken implementation.
 */
package io.pvkit.conformance.selftest;
