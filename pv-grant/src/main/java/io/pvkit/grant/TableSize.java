package io.pvkit.grant;

/**
 * The outputs of GNTTABOP_query_size.
 *
 * @param status a GNTST code
 * @param nrFrames the current number of table frames
 * @param maxFrames the maximum number of table frames
 */
public record TableSize(int status, int nrFrames, int maxFrames) {
}
