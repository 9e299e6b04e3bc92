package io.pvkit.hypervisor.dom0.xenstore;

/**
 * A change watches hear about: the absolute path, the node's permissions (after a write, before a removal;
 * a watcher must be able to read them to be told), and whether the subtree was removed (then watches below
 * the path fire too).
 *
 * @param path the absolute path
 * @param perms the permissions that decide who hears
 * @param removed whether the node and its subtree were removed
 */
record Change(String path, Perms perms, boolean removed) {
}
