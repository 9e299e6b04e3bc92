/**
 * pv-grant: Xen grant tables v1, guest grant/revoke and hypervisor map/unmap/copy, with mappings
 * whose memory view dies at unmap.
 */
module io.pvkit.grant {
    requires transitive io.pvkit.abi;

    exports io.pvkit.grant;
}
