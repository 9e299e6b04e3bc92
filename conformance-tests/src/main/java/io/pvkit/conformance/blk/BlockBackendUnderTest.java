package io.pvkit.conformance.blk;

import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;

import java.nio.file.Path;
import java.util.Set;

/**
 * The porting SPI for a PV block backend under test: a hypervisor the kit can create a frontend domain on, and
 * a way to attach a disk image to that domain through the backend.
 *
 * <p>The kit plays the frontend itself, as a guest of {@link #hypervisor()}: it creates the domain with
 * {@link HypervisorUnderTest#createDomain}, sets up its grant table and grants pages to
 * {@link BlockDeviceSession#backendDomid()} with {@code grant_table_op}, allocates unbound event channels for
 * the backend domain with {@code EVTCHNOP_alloc_unbound}, builds the blkif ring(s) in the domain's own memory
 * and notifies with {@code EVTCHNOP_send}. The backend therefore needs from the hypervisor exactly what it
 * needs from Xen: grant map or copy of the frontend's references, and interdomain event channels.
 *
 * <p>The xenbus handshake is abstracted as key/value maps: {@link #open} returns once the backend has reached
 * InitWait (what it published is {@link BlockDeviceSession#backendKeys()}), and
 * {@link BlockDeviceSession#connect} hands the backend the frontend's keys as a frontend writes them under
 * {@code device/vbd/<devid>}. A xenstore-driven backend implements {@code open} by writing the toolstack's
 * nodes ({@code params}, {@code mode}, {@code frontend-id} ...) and waiting for state 2, and {@code connect} by
 * writing the given keys plus {@code state = 3} in the frontend directory and waiting for state 4 or 6.
 *
 * <p>A verification creates one instance per test method and closes it afterwards.
 */
public interface BlockBackendUnderTest extends AutoCloseable {

    /**
     * The hypervisor the backend runs on; the kit creates the frontend domain through it and issues its
     * hypercalls (grant table, event channel) as that domain. Returned once per instance (the same object on
     * every call); closed by {@link #close()}.
     *
     * @return the hypervisor
     */
    HypervisorUnderTest hypervisor();

    /**
     * The optional hooks this backend supports.
     *
     * @return the capabilities (empty when none)
     */
    Set<BlockCapability> capabilities();

    /**
     * Attaches {@code image} to {@code frontend} as a new virtual block device and returns when the backend is
     * in InitWait (state 2) with its keys published. Called several times for several devices of one domain
     * (BLK-18 uses two).
     *
     * @param frontend a domain created through {@link #hypervisor()}
     * @param image an existing file whose size is a multiple of 4096 bytes; the backend serves it as the disk
     * @param readOnly true to attach it read-only (mode {@code r}, info has VDISK_READONLY)
     * @return the device, in InitWait
     */
    BlockDeviceSession open(DomainUnderTest frontend, Path image, boolean readOnly);

    /**
     * The number of grant mappings the backend holds right now (all devices, all frontends), when
     * {@link BlockCapability#LIVE_MAPPING_COUNT} is declared. A backend that only copies answers 0.
     *
     * @return the live mappings
     * @throws UnsupportedOperationException when the capability is not declared
     */
    default long liveMappings() {
        throw new UnsupportedOperationException("LIVE_MAPPING_COUNT not declared");
    }

    /** Closes every device still open, stops the backend and closes the hypervisor. */
    @Override
    void close();
}
