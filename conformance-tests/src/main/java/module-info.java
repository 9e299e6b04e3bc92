/**
 * The pvkit conformance kit: what a third-party implementation extends in its test scope to learn,
 * rule by rule, whether it is correct.
 */
module io.pvkit.conformance {
    requires transitive io.pvkit.abi;
    requires transitive io.pvkit.rings;
    requires transitive io.pvkit.events;
    requires transitive io.pvkit.grant;
    requires io.pvkit.process;
    requires transitive org.junit.jupiter.api;
    requires transitive org.junit.platform.launcher;
    requires org.junit.platform.reporting;

    exports io.pvkit.conformance;
    exports io.pvkit.conformance.blk;
    exports io.pvkit.conformance.bytestream;
    exports io.pvkit.conformance.domain;
    exports io.pvkit.conformance.hostile;
    exports io.pvkit.conformance.grant;
    exports io.pvkit.conformance.hypercall;
    exports io.pvkit.conformance.evtchn;
    exports io.pvkit.conformance.property;
    exports io.pvkit.conformance.ring;
    exports io.pvkit.conformance.runner;
    exports io.pvkit.conformance.selftest;
    exports io.pvkit.conformance.spi;
    exports io.pvkit.conformance.xenstore;
}
