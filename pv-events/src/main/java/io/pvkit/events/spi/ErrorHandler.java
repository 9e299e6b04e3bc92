package io.pvkit.events.spi;

/**
 * Where pv-events reports an exception it must not let escape (Agrona's {@code ErrorHandler} shape):
 * a guest's event handler that threw inside {@link io.pvkit.events.UpcallDemultiplexer#handleUpcall()},
 * or an unexpected exception inside {@link io.pvkit.events.EventChannelHypercalls} (a bug in pv-events or
 * in the platform's {@link VcpuKicker}), which the guest sees only as {@code -EINVAL}.
 *
 * <p>Called on the thread that hit the exception, possibly with pv-events' lock released but the
 * guest's vCPU thread waiting: it must not block for long and must not throw (an exception it throws is
 * dropped, so that the caller's work continues). An Agrona {@code ErrorHandler} adapts as
 * {@code agronaHandler::onError}.
 */
@FunctionalInterface
public interface ErrorHandler {
    /**
     * The default: logs the exception at {@code ERROR} level through the {@link System.Logger} named
     * {@code io.pvkit.events}, so that nothing vanishes when the platform configures nothing.
     */
    ErrorHandler LOG = new ErrorHandler() {
        private final System.Logger logger = System.getLogger("io.pvkit.events");

        @Override
        public void onError(Throwable throwable) {
            logger.log(System.Logger.Level.ERROR, "pv-events caught an unexpected exception", throwable);
        }
    };

    /**
     * Reports one exception.
     *
     * @param throwable the exception caught
     */
    void onError(Throwable throwable);
}
