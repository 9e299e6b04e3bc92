/**
 * The reference hypervisor (reference, not production): domains, hypercall dispatch, the domain builder
 * and domain 0 services wired from the pvkit library modules.
 */
module io.pvkit.hypervisor {
    requires transitive io.pvkit.abi;
    requires io.pvkit.rings;
    requires io.pvkit.events;
    requires io.pvkit.grant;
    requires jdk.jfr;
    requires transitive io.pvkit.process;

    exports io.pvkit.hypervisor;
    exports io.pvkit.hypervisor.dom0;
    exports io.pvkit.hypervisor.dom0.xenstore;
}
