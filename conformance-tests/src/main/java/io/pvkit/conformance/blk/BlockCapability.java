package io.pvkit.conformance.blk;

/**
 * Optional hooks a block backend under test declares through {@link BlockBackendUnderTest#capabilities()}; a
 * check that needs a hook the backend does not declare is skipped (or, inside a {@code required_} check, that
 * part of it is not done), never failed.
 */
public enum BlockCapability {
    /**
     * {@link BlockBackendUnderTest#liveMappings()} counts the backend's live grant mappings, so BLK-19 also
     * checks the count returns to its value before the device was opened.
     */
    LIVE_MAPPING_COUNT
}
