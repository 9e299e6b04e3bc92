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
 * enable it in a recording's settings ({@code io.pvkit.GrantMap#enabled=true}). When off, nothing is allocated.
 */
@Name("io.pvkit.GrantMap")
@Label("Grant map")
@Category({"pvkit", "Grant tables"})
@Description("GNTTABOP_map_grant_ref: a domain maps another domain's granted frame")
@Enabled(false)
@StackTrace(false)
public final class GrantMapEvent extends Event {
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
