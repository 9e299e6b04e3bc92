/**
 * Block device protocol ({@code io/blkif.h}): request, segment and response layouts of the blkif ring and the operation codes.
 */
package io.pvkit.abi.blkif;
