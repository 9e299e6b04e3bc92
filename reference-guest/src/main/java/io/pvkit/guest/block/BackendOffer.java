package io.pvkit.guest.block;

import io.pvkit.abi.blkif.BlkifRequestLayout;
import io.pvkit.xenbus.XenbusClient;

/**
 * The features a block backend offers in its directory, read ONCE when it reaches InitWait (pvkit's
 * blkback writes them all before InitWait; an absent key means "not offered", as in Linux).
 *
 * <p>UNTRUSTED: every value is written by the backend. Each key is read once into this record and
 * validated: a value that is not an unsigned decimal number makes the handshake fail; a value above what
 * pvkit uses is capped by {@link #negotiate}.
 */
record BackendOffer(long maxRingPageOrder, long maxQueues, long maxIndirectSegments, boolean persistent,
                    boolean flush, boolean discard, long discardGranularity) {

    /** Reads the offer from the backend directory {@code backend}. */
    static BackendOffer read(XenbusClient client, String backend) {
        return new BackendOffer(
                number(client, backend, "max-ring-page-order", 0),
                number(client, backend, "multi-queue-max-queues", 1),
                number(client, backend, "feature-max-indirect-segments", 0),
                number(client, backend, "feature-persistent", 0) == 1,
                number(client, backend, "feature-flush-cache", 0) == 1,
                number(client, backend, "feature-discard", 0) == 1,
                number(client, backend, "discard-granularity", 0));
    }

    /**
     * What the frontend uses: ring order {@code min(asked, offered)}, queues {@code min(asked, offered)} (at
     * least 1), indirect segments {@code min(offered, 256)} when asked and offered above the 11 direct ones
     * (else 0), persistent grants when both ask, flush and discard as offered.
     */
    Negotiated negotiate(BlockFrontendOptions asked) {
        int order = (int) Math.min(asked.ringPageOrder(), maxRingPageOrder);
        int queues = (int) Math.max(1, Math.min(asked.queues(), maxQueues));
        int indirect = 0;
        if (asked.indirect() && maxIndirectSegments > BlkifRequestLayout.MAX_SEGMENTS_PER_REQUEST) {
            indirect = (int) Math.min(maxIndirectSegments, BlockFrontendOptions.MAX_INDIRECT_SEGMENTS);
        }
        return new Negotiated(order, queues, indirect, asked.persistent() && persistent);
    }

    /** The negotiated transport parameters. */
    record Negotiated(int ringPageOrder, int queues, int maxIndirectSegments, boolean persistent) {
    }

    /**
     * Reads an unsigned decimal key, saturating at {@link Long#MAX_VALUE}.
     *
     * @throws BlockDeviceFailedException when the value is present but not an unsigned decimal number
     */
    static long number(XenbusClient client, String dir, String key, long absent) {
        String path = dir + "/" + key;
        // UNTRUSTED: read once, parsed here, never re-read
        String text = client.tryRead(path).orElse(null);
        if (text == null) {
            return absent;
        }
        return parse(path, text);
    }

    static long parse(String path, String text) {
        if (text.isEmpty() || text.length() > 40 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new BlockDeviceFailedException("backend key " + path + " = '" + printable(text)
                    + "' is not an unsigned decimal number", null, null);
        }
        if (text.length() > 18) {
            return Long.MAX_VALUE;
        }
        return Long.parseLong(text);
    }

    private static String printable(String text) {
        String s = text.length() > 40 ? text.substring(0, 40) + "..." : text;
        return s.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
