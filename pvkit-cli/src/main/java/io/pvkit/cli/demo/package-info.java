/**
 * {@code pvkit demo}: boots the reference hypervisor with N reference guests ({@link io.pvkit.cli.demo.Demo}),
 * samples every domain's counters to show live progress ({@link io.pvkit.cli.demo.ProgressView}) and
 * summarises the run ({@link io.pvkit.cli.demo.DemoResult}).
 */
package io.pvkit.cli.demo;
