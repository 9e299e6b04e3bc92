/**
 * The {@code pvkit} command line ({@link io.pvkit.cli.PvkitCommand}, picocli): the {@code demo} and
 * {@code kit} subcommands, their options and exit codes (0 success, 1 the run failed, 2 bad command line).
 */
package io.pvkit.cli;
