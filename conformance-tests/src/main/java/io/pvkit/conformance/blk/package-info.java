/**
 * Block device (blkif) backend conformance: the rules {@code BLK-xx} ({@link io.pvkit.conformance.blk.BlockRules}),
 * the porting SPI a block backend supplies ({@link io.pvkit.conformance.blk.BlockBackendUnderTest},
 * {@link io.pvkit.conformance.blk.BlockDeviceSession}) and the verification a backend's test extends
 * ({@link io.pvkit.conformance.blk.BlockBackendVerification}), which drives the backend through a scripted,
 * deliberately hostile frontend.
 */
package io.pvkit.conformance.blk;
