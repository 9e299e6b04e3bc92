package io.pvkit.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * The socket file of {@code pvkit hypervisor --socket PATH}: claimed at start (a file left behind by a killed
 * hypervisor, on which nobody listens, is replaced; a socket someone listens on, or a path that is not a socket,
 * is refused), and removed at exit, also when the process is stopped by SIGTERM or SIGINT (a shutdown hook),
 * but only while the path is still the file this process bound.
 */
final class HypervisorSocket {
    /** {@code S_IFMT} and {@code S_IFSOCK} of {@code st_mode}. */
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private HypervisorSocket() {
    }

    /** Why the path cannot be used. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /**
     * Makes {@code socket} free to bind: nothing there, or a stale socket (connecting is refused: nobody listens)
     * which it deletes.
     *
     * @param socket the path
     * @return a message to print when it removed a stale socket, else null
     * @throws Refused when a process listens on it, or it is not a socket, or it cannot be checked
     */
    static String claim(Path socket) throws Refused {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new Refused("cannot check " + socket + ": " + e);
        }
        if (!isSocket(socket, a)) {
            throw new Refused(socket + " exists and is not a socket (" + kind(a) + "); remove it or choose another --socket");
        }
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ch.shutdownOutput();   // connected: a process listens there
            throw new Refused(socket + " is in use: a process (another pvkit hypervisor?) accepts connections on it;"
                    + " stop it or choose another --socket");
        } catch (ConnectException e) {
            // ECONNREFUSED: a socket file nobody listens on, left behind by a hypervisor that was killed (kill -9)
        } catch (IOException e) {
            throw new Refused("cannot check whether a process listens on " + socket + ": " + e);
        }
        try {
            Files.delete(socket);
        } catch (NoSuchFileException e) {
            // gone meanwhile: free too
        } catch (IOException e) {
            throw new Refused("cannot remove the stale socket " + socket + ": " + e);
        }
        return "pvkit hypervisor: removed the stale socket " + socket
                + " (nobody listens on it: left behind by a hypervisor that was killed)";
    }

    private static boolean isSocket(Path socket, BasicFileAttributes a) {
        if (!a.isOther()) {
            return false;
        }
        try {
            Object mode = Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return mode instanceof Integer m && (m & S_IFMT) == S_IFSOCK;
        } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
            return true;   // no unix view: a socket is one of the "other" files, and connecting tells the rest
        }
    }

    private static String kind(BasicFileAttributes a) {
        return a.isDirectory() ? "a directory" : a.isRegularFile() ? "a regular file" : a.isSymbolicLink()
                ? "a symbolic link" : "a device or pipe";
    }

    /**
     * The identity of the file now at {@code socket} (device and inode on Linux), or null.
     *
     * @param socket the path
     * @return its file key, or null when there is none
     */
    static Object fileKey(Path socket) {
        try {
            return Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Deletes {@code socket} when it is still the file {@code key} names (another hypervisor may have replaced
     * a file this process left; that one is not ours to delete).
     *
     * @param socket the path
     * @param key what {@link #fileKey} returned after binding, or null to delete whatever is there
     * @return true when it deleted the file
     */
    static boolean release(Path socket, Object key) {
        try {
            if (key != null && !Objects.equals(key, fileKey(socket))) {
                return false;
            }
            return Files.deleteIfExists(socket);
        } catch (IOException e) {
            return false;
        }
    }
}
