package io.pvkit.grant.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Creates a segment that aliases one frame of a domain's memory but lives in its own arena, so that
 * closing that arena ends the alias and nothing else. This is the only restricted FFM call of pv-grant.
 */
public final class FrameAlias {
    private FrameAlias() {
    }

    /**
     * @param frame a live 4096-byte slice of guest memory
     * @param arena the arena that bounds the alias's life
     * @return a segment over the same bytes whose scope is {@code arena}
     */
    @SuppressWarnings("restricted")
    public static MemorySegment alias(MemorySegment frame, Arena arena) {
        // RESTRICTED: the size is exactly the frame's (bounds stay those of a live frame slice); the
        // lifetime is the mapping arena's, and GrantTables guarantees the frame's memory outlives it:
        // a domain's memory may be freed only after GrantTables.releaseDomain returned true, which
        // closes (or, for a confined arena whose owner is alive, waits for) every alias of its frames.
        return MemorySegment.ofAddress(frame.address()).reinterpret(frame.byteSize(), arena, null);
    }
}
