package io.pvkit.conformance.grant;

import io.pvkit.grant.MappingLifetime;

/** pv-grant passes the grant-table verification with {@link MappingLifetime#CHECKED} mappings too (their views through segmentOf). */
class PvGrantCheckedConformanceTest extends PvGrantConformanceTest {

    @Override
    MappingLifetime lifetime() {
        return MappingLifetime.CHECKED;
    }
}
