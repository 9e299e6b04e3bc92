/**
 * Block benchmarks of issue 14: the reference guest's blkfront against domain 0's blkback over the reference
 * hypervisor, in one process, serving an image file, each figure against {@code FileChannel} on the same file
 * in the same run ({@code BlockIoBenchmark}); notifications per request and latency with and without blkback's
 * poll window ({@code BlockNotifications}); and 64 guests of 4 queues against one guest on the same cores
 * ({@code BlockScale}).
 */
package io.pvkit.benchmarks.block;
