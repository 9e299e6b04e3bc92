package io.pvkit.guest.block;

/**
 * The end of a request submitted with {@link BlockDevice#readAsync(long, java.lang.foreign.MemorySegment,
 * long, BlockCompletion)} or {@link BlockDevice#writeAsync(long, java.lang.foreign.MemorySegment, long,
 * BlockCompletion)}: the callback form of the futures, for callers that keep many requests in flight and want
 * no object per request. The caller's {@code tag} comes back unchanged, so one handler can serve every request
 * (for example the index of the buffer the request used).
 *
 * <p>Called on the guest's vCPU thread, where futures complete (see {@link BlockDevice}); it may submit more
 * requests. Unlike a future's dependent action, an exception it throws is not captured: it propagates out of the
 * frontend call that ran the completion (the other completions stay queued and run at the next call).
 */
@FunctionalInterface
public interface BlockCompletion {
    /**
     * One operation ended.
     *
     * @param tag the caller's tag, as submitted
     * @param failure null on success; otherwise what a future would have completed exceptionally with
     *     ({@link BlockIoException}, {@link BlockDeviceFailedException})
     */
    void completed(long tag, RuntimeException failure);
}
