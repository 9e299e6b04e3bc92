package io.pvkit.conformance.grant;

import io.pvkit.grant.MappingLifetime;

/** pv-grant passes the grant-table verification with {@link MappingLifetime#CONFINED} mappings too. */
class PvGrantConfinedConformanceTest extends PvGrantConformanceTest {

    @Override
    MappingLifetime lifetime() {
        return MappingLifetime.CONFINED;
    }
}
