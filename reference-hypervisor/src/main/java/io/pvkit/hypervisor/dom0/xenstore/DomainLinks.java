package io.pvkit.hypervisor.dom0.xenstore;

import io.pvkit.abi.xenstore.XsError;

/**
 * What xenstored cannot do itself because it takes hypercalls: connecting a guest's ring (map its xenstore
 * page through {@code GNTTAB_RESERVED_XENSTORE}, bind its store port) for {@code XS_INTRODUCE}, and letting
 * go of it for {@code XS_RELEASE}. Domain 0 implements it on its own vCPU; a call from another thread (a tools
 * socket) waits for domain 0 to do it. Called without xenstored's lock held.
 */
public interface DomainLinks {
    /**
     * Connects a domain's ring and calls {@link Xenstored#attachRing}.
     *
     * @param domid the domain
     * @param storeGfn the frame the toolstack named (domain 0 maps the reserved grant, as C xenstored does)
     * @param port the domain's unbound store port whose remote is domain 0
     * @return null on success, or the error to reply with
     */
    XsError introduce(int domid, long storeGfn, int port);

    /**
     * Disconnects a domain's ring and calls {@link Xenstored#releaseDomain}.
     *
     * @param domid the domain
     * @return null on success, or the error to reply with
     */
    XsError release(int domid);

    /** Links for a xenstored without rings (tests of the socket alone): introduce and release answer ENOSYS. */
    DomainLinks NONE = new DomainLinks() {
        @Override
        public XsError introduce(int domid, long storeGfn, int port) {
            return XsError.ENOSYS;
        }

        @Override
        public XsError release(int domid) {
            return XsError.ENOSYS;
        }
    };
}
