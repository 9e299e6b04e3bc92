package io.pvkit.xenbus;

import java.util.List;
import java.util.Optional;

/**
 * An open xenstore transaction ({@code XS_TRANSACTION_START}): every operation through it carries its
 * {@code tx_id}, and xenstored applies them at {@link #commit()} all at once, or refuses with
 * {@code EAGAIN} when another connection changed what it touched. Usually run through
 * {@link XenbusClient#transaction(TransactionBody)}, which retries on {@code EAGAIN}.
 *
 * <p>Not thread-safe; use it on one thread and end it exactly once.
 */
public final class XenbusTransaction implements XenstoreOps {
    private final XsRequests requests;
    private final int id;
    private boolean ended;

    XenbusTransaction(XsRequests requests, int id) {
        this.requests = requests;
        this.id = id;
    }

    /**
     * The transaction id xenstored assigned.
     *
     * @return a non-zero u32
     */
    public int id() {
        return id;
    }

    /**
     * Commits ({@code XS_TRANSACTION_END "T"}).
     *
     * @return true when committed; false when xenstored refused with {@code EAGAIN} (nothing was applied;
     *     start a new transaction and redo the work)
     * @throws IllegalStateException when the transaction already ended
     */
    public boolean commit() {
        end();
        return requests.transactionEnd(id, true);
    }

    /**
     * Aborts ({@code XS_TRANSACTION_END "F"}): nothing done through the transaction is applied.
     *
     * @throws IllegalStateException when the transaction already ended
     */
    public void abort() {
        end();
        requests.transactionEnd(id, false);
    }

    /**
     * Whether {@link #commit()} or {@link #abort()} was called.
     *
     * @return true once ended
     */
    public boolean ended() {
        return ended;
    }

    private void end() {
        if (ended) {
            throw new IllegalStateException("transaction " + Integer.toUnsignedString(id) + " already ended");
        }
        ended = true;
    }

    private void open() {
        if (ended) {
            throw new IllegalStateException("transaction " + Integer.toUnsignedString(id) + " already ended");
        }
    }

    @Override
    public String read(String path) {
        open();
        return requests.read(id, path);
    }

    @Override
    public Optional<String> tryRead(String path) {
        open();
        return requests.tryRead(id, path);
    }

    @Override
    public byte[] readBytes(String path) {
        open();
        return requests.readBytes(id, path);
    }

    @Override
    public void write(String path, String value) {
        open();
        requests.write(id, path, value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public void write(String path, byte[] value) {
        open();
        requests.write(id, path, value.clone());
    }

    @Override
    public void mkdir(String path) {
        open();
        requests.mkdir(id, path);
    }

    @Override
    public void rm(String path) {
        open();
        requests.rm(id, path);
    }

    @Override
    public List<String> directory(String path) {
        open();
        return requests.directory(id, path);
    }

    @Override
    public List<XsPermission> getPerms(String path) {
        open();
        return requests.getPerms(id, path);
    }

    @Override
    public void setPerms(String path, List<XsPermission> perms) {
        open();
        requests.setPerms(id, path, perms);
    }

    @Override
    public String toString() {
        return "XenbusTransaction[" + Integer.toUnsignedString(id) + (ended ? ", ended]" : "]");
    }
}
