package io.pvkit.cli.kit;

import io.pvkit.conformance.blk.BlockBackendUnderTest;
import io.pvkit.conformance.blk.BlockBackendVerification;

/**
 * Domain 0's block backend in the reference hypervisor against the kit's BLK rules, reached only through
 * xenstore (as a toolstack on xenstored's socket), grants and event channels ({@link ReferenceBlockBackend}).
 */
public class ReferenceBlockConformance extends BlockBackendVerification {

    /** For the JUnit Platform. */
    public ReferenceBlockConformance() {
    }

    @Override
    protected BlockBackendUnderTest createBackend() {
        return new ReferenceBlockBackend();
    }
}
