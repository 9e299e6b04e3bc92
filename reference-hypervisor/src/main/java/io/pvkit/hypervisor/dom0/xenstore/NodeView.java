package io.pvkit.hypervisor.dom0.xenstore;

/**
 * The tree as one request sees it: the store itself, or a transaction's copy-on-write overlay of it. The
 * operations of {@link TreeOps} are written once against this view.
 */
interface NodeView {
    /** @return the node, or null when absent */
    Node get(String path);

    /** Creates or replaces a node. */
    void put(String path, Node node);

    /** Removes one node (not its children; {@link TreeOps} removes bottom-up). */
    void remove(String path);

    /** @return the nodes this domain owns as seen through this view */
    int ownedBy(int domid);

    /** Records a change for the watches (fired now, or at commit for a transaction). */
    void changed(Change change);
}
