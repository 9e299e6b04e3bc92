package io.pvkit.hypervisor.dom0.xenstore;

/**
 * One registered watch.
 *
 * @param path the absolute path, or a special name ({@code @introduceDomain}, {@code @releaseDomain})
 * @param token the token, returned in every event
 * @param relative whether the watcher registered a relative path (its events then carry relative paths, as
 *     in C xenstored)
 */
record Watch(String path, String token, boolean relative) {
    boolean special() {
        return path.charAt(0) == '@';
    }
}
