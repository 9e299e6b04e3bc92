/**
 * JMH benchmarks of pvkit (not published).
 */
module io.pvkit.benchmarks {
    requires io.pvkit.abi;
    requires io.pvkit.rings;
    requires io.pvkit.events;
    requires io.pvkit.grant;
    requires io.pvkit.hypervisor; // block benchmarks: blkback in process
    requires io.pvkit.guest; // block benchmarks: blkfront
    requires jmh.core;
    requires org.jctools.core;
    requires org.agrona; // baseline only
    requires HdrHistogram; // report: latency percentiles
    requires org.jfree.jfreechart; // report: PNG charts
    requires java.desktop; // JFreeChart draws with AWT (headless)
}
