/**
 * pv-grant: Xen grant tables v1, guest grant/revoke and hypervisor map/unmap/copy, with mappings
 * whose memory view dies at unmap.
 */
module io.pvkit.grant {
    requires transitive io.pvkit.abi;
    requires jdk.jfr; // JFR event (off by default): io.pvkit.GrantMap

    exports io.pvkit.grant;
}
