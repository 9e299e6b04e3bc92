/**
 * The reference PV guest (reference, not production): boot, xenbus and frontends wired from the
 * pvkit library modules.
 */
module io.pvkit.guest {
    requires io.pvkit.abi;
    requires io.pvkit.rings;
    requires io.pvkit.events;
    requires io.pvkit.grant;
}
