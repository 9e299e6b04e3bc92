/**
 * jcstress tests of pvkit's memory ordering (not published).
 */
module io.pvkit.stress {
    requires io.pvkit.abi;
    requires io.pvkit.rings;
    requires io.pvkit.events;
    requires io.pvkit.grant;
    requires jcstress.core;
}
