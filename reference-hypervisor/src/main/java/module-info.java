/**
 * The reference hypervisor (reference, not production): domains, hypercall dispatch and domain 0
 * services wired from the pvkit library modules.
 */
module io.pvkit.hypervisor {
    requires io.pvkit.abi;
    requires io.pvkit.rings;
    requires io.pvkit.events;
    requires io.pvkit.grant;
}
