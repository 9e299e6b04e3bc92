package io.pvkit.xenbus;

/**
 * The work of one transaction attempt (see {@link XenbusClient#transaction(TransactionBody)}). It may run
 * more than once: keep side effects outside xenstore out of it, or make them idempotent.
 *
 * @param <T> the result
 */
@FunctionalInterface
public interface TransactionBody<T> {
    /**
     * Runs one attempt.
     *
     * @param tx the open transaction; every operation through it belongs to the transaction
     * @return the result, returned by {@code transaction} when the commit succeeds
     */
    T run(XenbusTransaction tx);
}
