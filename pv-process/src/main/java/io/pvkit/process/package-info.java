/**
 * Guests in their own processes.
 *
 * <p>Memory: {@link io.pvkit.process.SealedGuestMemory} (a sealed {@code memfd}). Transport:
 * {@link io.pvkit.process.UnixSocket} with {@code SCM_RIGHTS}. See the module README for the mailbox ABI,
 * the session wire format, the trust model and the ORDERING vocabulary.
 */
package io.pvkit.process;
