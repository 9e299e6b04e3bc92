package io.pvkit.grant.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR event {@code io.pvkit.GrantMap}: one {@code GNTTABOP_map_grant_ref} (Java API or hypercall), with mapper,
 * granter, reference, flags, whether the mapping is shared-arena backed, and the GNTST status. Off by default;
 * enable it in a recording's settings ({@code io.pvkit.GrantMap#enabled=true}). When off, nothing is allocated and
 * no time is measurable against the same paths without the event code ({@link #COMPILED_IN}).
 */
@Name("io.pvkit.GrantMap")
@Label("Grant map")
@Category({"pvkit", "Grant tables"})
@Description("GNTTABOP_map_grant_ref: a domain maps another domain's granted frame")
@Enabled(false)
@StackTrace(false)
public final class GrantMapEvent extends Event {
    /**
     * Whether pv-grant's map paths contain the event code at all: true unless the system property
     * {@code pvkit.grant.jfr} is {@code false} (read once at class initialisation). Only for measuring what the
     * disabled event costs ({@code JfrOffBenchmark} in pvkit's benchmarks): with it false, the JIT sees a constant and
     * drops the event code, which is the "compiled out" side of the comparison.
     */
    public static final boolean COMPILED_IN = !"false".equals(System.getProperty("pvkit.grant.jfr"));

    /** The mapping domain. */
    @Label("Mapper")
    public int mapper;
    /** The granting domain. */
    @Label("Granter")
    public int granter;
    /** The grant reference. */
    @Label("Reference")
    public long ref;
    /** The GNTMAP_* flags. */
    @Label("Flags")
    public int flags;
    /** Whether the mapping's lifetime is SHARED (a shared arena, closed at unmap). */
    @Label("Shared lifetime")
    public boolean shared;
    /** The GNTST status (0 = okay). */
    @Label("Status")
    public int status;
}
