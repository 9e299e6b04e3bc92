package io.pvkit.xenbus;

import java.util.List;
import java.util.Optional;

/**
 * The node operations of xenstore, outside a transaction ({@link XenbusClient}) or inside one
 * ({@link XenbusTransaction}). Paths are absolute ({@code /local/domain/1/device}) or relative to the
 * connection's home ({@code /local/domain/<id>} of the guest; xenstored resolves them). Strings are UTF-8;
 * a path may not contain NUL and is at most {@code XENSTORE_ABS_PATH_MAX} (3072) bytes, and a request's
 * payload at most {@code XENSTORE_PAYLOAD_MAX} (4096) bytes ({@link IllegalArgumentException} before
 * anything is sent).
 *
 * <p>Every method blocks until the reply (at most the client's request timeout). An {@code XS_ERROR}
 * reply throws {@link XenstoreErrorException}; a broken connection {@link XenbusException}.
 */
public interface XenstoreOps {

    /**
     * {@code XS_READ}.
     *
     * @param path the node
     * @return its value decoded as UTF-8
     * @throws XenstoreErrorException {@code ENOENT} when the node does not exist, {@code EACCES} when not readable
     */
    String read(String path);

    /**
     * {@code XS_READ}, with a missing node as empty.
     *
     * @param path the node
     * @return its value, or empty on {@code ENOENT}
     */
    Optional<String> tryRead(String path);

    /**
     * {@code XS_READ}, raw.
     *
     * @param path the node
     * @return its value's bytes (a copy; at most 4096)
     */
    byte[] readBytes(String path);

    /**
     * {@code XS_WRITE} (creates the node and missing parents).
     *
     * @param path the node
     * @param value the value, encoded as UTF-8 without a NUL
     */
    void write(String path, String value);

    /**
     * {@code XS_WRITE} of raw bytes.
     *
     * @param path the node
     * @param value the value
     */
    void write(String path, byte[] value);

    /**
     * {@code XS_MKDIR}: creates an empty node (and missing parents); no error when it exists.
     *
     * @param path the node
     */
    void mkdir(String path);

    /**
     * {@code XS_RM}: removes a node and everything below it.
     *
     * @param path the node
     * @throws XenstoreErrorException {@code ENOENT} when the node does not exist
     */
    void rm(String path);

    /**
     * {@code XS_DIRECTORY}: the names of a node's children.
     *
     * @param path the node
     * @return the child names (not paths), in xenstored's order
     */
    List<String> directory(String path);

    /**
     * {@code XS_GET_PERMS}.
     *
     * @param path the node
     * @return the permissions, owner first (never empty)
     */
    List<XsPermission> getPerms(String path);

    /**
     * {@code XS_SET_PERMS}.
     *
     * @param path the node
     * @param perms the permissions, owner first (at least one)
     */
    void setPerms(String path, List<XsPermission> perms);
}
