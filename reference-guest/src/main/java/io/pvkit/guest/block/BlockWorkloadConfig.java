package io.pvkit.guest.block;

import io.pvkit.guest.CommandLine;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The block workload's settings, from the guest's command line (the keys of issue 12's contract; every key is
 * optional):
 *
 * <table class="striped">
 *   <caption>Command-line keys</caption>
 *   <thead><tr><th>Key</th><th>Values</th><th>Default</th></tr></thead>
 *   <tbody>
 *   <tr><td>{@value #ENABLE}</td><td>{@code on|off}</td><td>on when {@code device/vbd} has entries</td></tr>
 *   <tr><td>{@value #PATTERN}</td><td>{@code random|sequential}</td><td>{@code random}</td></tr>
 *   <tr><td>{@value #BLOCK_SIZE}</td><td>bytes, a multiple of 512 (at most 4 MiB)</td><td>16384</td></tr>
 *   <tr><td>{@value #QUEUE_DEPTH}</td><td>1..4096</td><td>16</td></tr>
 *   <tr><td>{@value #QUEUES}</td><td>1..16</td><td>4</td></tr>
 *   <tr><td>{@value #RING_ORDER}</td><td>0..4</td><td>4</td></tr>
 *   <tr><td>{@value #INDIRECT}</td><td>{@code on|off}</td><td>on</td></tr>
 *   <tr><td>{@value #PERSISTENT}</td><td>{@code on|off}</td><td>on</td></tr>
 *   <tr><td>{@value #PASSES}</td><td>0.. (0 = until the guest's duration or rounds are up)</td><td>1</td></tr>
 *   <tr><td>{@value #FLUSH}</td><td>{@code on|off}</td><td>on</td></tr>
 *   <tr><td>{@value #SEED}</td><td>a decimal {@code long}</td><td>derived from {@code pvkit.name}</td></tr>
 *   </tbody>
 * </table>
 *
 * @param enabled {@value #ENABLE}: empty when not given (then on exactly when a vbd exists)
 * @param sequential {@value #PATTERN}: true for sequential order, false for a random permutation
 * @param blockSize {@value #BLOCK_SIZE}
 * @param queueDepth {@value #QUEUE_DEPTH}
 * @param queues {@value #QUEUES}
 * @param ringOrder {@value #RING_ORDER}
 * @param indirect {@value #INDIRECT}
 * @param persistent {@value #PERSISTENT}
 * @param passes {@value #PASSES}
 * @param flush {@value #FLUSH}
 * @param seed {@value #SEED}
 */
public record BlockWorkloadConfig(Optional<Boolean> enabled, boolean sequential, int blockSize, int queueDepth,
                                  int queues, int ringOrder, boolean indirect, boolean persistent, long passes,
                                  boolean flush, long seed) {
    /** {@code pvkit.blk}: {@code on|off}. */
    public static final String ENABLE = "pvkit.blk";
    /** {@code pvkit.blk.pattern}: {@code random|sequential}. */
    public static final String PATTERN = "pvkit.blk.pattern";
    /** {@code pvkit.blk.bs}: block size in bytes. */
    public static final String BLOCK_SIZE = "pvkit.blk.bs";
    /** {@code pvkit.blk.qd}: queue depth. */
    public static final String QUEUE_DEPTH = "pvkit.blk.qd";
    /** {@code pvkit.blk.queues}: queues asked for. */
    public static final String QUEUES = "pvkit.blk.queues";
    /** {@code pvkit.blk.ringorder}: ring page order asked for. */
    public static final String RING_ORDER = "pvkit.blk.ringorder";
    /** {@code pvkit.blk.indirect}: {@code on|off}. */
    public static final String INDIRECT = "pvkit.blk.indirect";
    /** {@code pvkit.blk.persistent}: {@code on|off}. */
    public static final String PERSISTENT = "pvkit.blk.persistent";
    /** {@code pvkit.blk.passes}: write+verify passes, 0 = until the guest's limits. */
    public static final String PASSES = "pvkit.blk.passes";
    /** {@code pvkit.blk.flush}: {@code on|off}, flush after each pass's writes. */
    public static final String FLUSH = "pvkit.blk.flush";
    /** {@code pvkit.blk.seed}: the pattern's seed (pass {@code p} uses {@code seed + p}). */
    public static final String SEED = "pvkit.blk.seed";
    /** The largest block size accepted. */
    public static final int MAX_BLOCK_SIZE = 4 << 20;
    /** The largest queue depth accepted. */
    public static final int MAX_QUEUE_DEPTH = 4096;

    /**
     * Validates the settings.
     *
     * @param enabled on, off, or not given
     * @param sequential sequential (true) or random (false) order
     * @param blockSize a positive multiple of 512, at most {@value #MAX_BLOCK_SIZE}
     * @param queueDepth 1..{@value #MAX_QUEUE_DEPTH}
     * @param queues 1..16
     * @param ringOrder 0..4
     * @param indirect use indirect requests
     * @param persistent use persistent grants
     * @param passes not negative
     * @param flush flush after each pass's writes
     * @param seed any value
     */
    public BlockWorkloadConfig {
        if (blockSize < 512 || blockSize % 512 != 0 || blockSize > MAX_BLOCK_SIZE) {
            throw new IllegalArgumentException(BLOCK_SIZE + "=" + blockSize + " is not a multiple of 512 in 512.."
                    + MAX_BLOCK_SIZE);
        }
        if (queueDepth < 1 || queueDepth > MAX_QUEUE_DEPTH) {
            throw new IllegalArgumentException(QUEUE_DEPTH + "=" + queueDepth + " is outside 1.." + MAX_QUEUE_DEPTH);
        }
        if (queues < 1 || queues > BlockFrontendOptions.MAX_QUEUES) {
            throw new IllegalArgumentException(QUEUES + "=" + queues + " is outside 1.." + BlockFrontendOptions.MAX_QUEUES);
        }
        if (ringOrder < 0 || ringOrder > BlockFrontendOptions.MAX_RING_PAGE_ORDER) {
            throw new IllegalArgumentException(RING_ORDER + "=" + ringOrder + " is outside 0.."
                    + BlockFrontendOptions.MAX_RING_PAGE_ORDER);
        }
        if (passes < 0) {
            throw new IllegalArgumentException(PASSES + "=" + passes + " is negative");
        }
    }

    /**
     * The defaults (nothing on the command line).
     *
     * @param seed the seed
     * @return random order, 16 KiB blocks, queue depth 16, 4 queues, ring order 4, indirect, persistent, one pass,
     *     flush
     */
    public static BlockWorkloadConfig defaults(long seed) {
        return new BlockWorkloadConfig(Optional.empty(), false, 16384, 16, 4, 4, true, true, 1, true, seed);
    }

    /**
     * Reads the settings from a command line.
     *
     * @param commandLine the guest's command line
     * @return the settings
     * @throws IllegalArgumentException naming the key when a value is malformed or out of range
     */
    public static BlockWorkloadConfig from(CommandLine commandLine) {
        Map<String, String> w = commandLine.words();
        BlockWorkloadConfig d = defaults(w.containsKey(SEED) ? 0 : defaultSeed(commandLine.name()));
        Optional<Boolean> enabled = w.containsKey(ENABLE) ? Optional.of(onOff(w, ENABLE, true)) : Optional.empty();
        String pattern = w.getOrDefault(PATTERN, "random");
        if (!pattern.equals("random") && !pattern.equals("sequential")) {
            throw new IllegalArgumentException(PATTERN + "=" + pattern + " is not random or sequential");
        }
        return new BlockWorkloadConfig(enabled, pattern.equals("sequential"),
                (int) number(w, BLOCK_SIZE, d.blockSize(), MAX_BLOCK_SIZE),
                (int) number(w, QUEUE_DEPTH, d.queueDepth(), MAX_QUEUE_DEPTH),
                (int) number(w, QUEUES, d.queues(), BlockFrontendOptions.MAX_QUEUES),
                (int) number(w, RING_ORDER, d.ringOrder(), BlockFrontendOptions.MAX_RING_PAGE_ORDER),
                onOff(w, INDIRECT, d.indirect()), onOff(w, PERSISTENT, d.persistent()),
                number(w, PASSES, d.passes(), Long.MAX_VALUE), onOff(w, FLUSH, d.flush()),
                w.containsKey(SEED) ? seed(w.get(SEED)) : d.seed());
    }

    /**
     * The seed used when {@value #SEED} is absent: a hash of the domain's name, so guests differ and runs repeat.
     *
     * @param name the domain's name
     * @return the seed
     */
    public static long defaultSeed(String name) {
        long h = 0xCBF29CE484222325L;   // FNV-1a 64
        for (int i = 0; i < name.length(); i++) {
            h = (h ^ name.charAt(i)) * 0x100000001B3L;
        }
        return h;
    }

    /**
     * The frontend options these settings ask for.
     *
     * @param timeout how long each handshake step may wait
     * @return the options
     */
    public BlockFrontendOptions frontendOptions(java.time.Duration timeout) {
        return new BlockFrontendOptions(ringOrder, queues, indirect, persistent, queueDepth, timeout);
    }

    /**
     * A one-line description for the console.
     *
     * @return e.g. {@code "random, bs 16384, qd 16, 4 queues, ring order 4, indirect on, persistent on, 1 pass(es), flush on"}
     */
    public String describe() {
        return String.format(Locale.ROOT, "%s, bs %d, qd %d, %d queues, ring order %d, indirect %s, persistent %s, %s, flush %s",
                sequential ? "sequential" : "random", blockSize, queueDepth, queues, ringOrder, onOff(indirect),
                onOff(persistent), passes == 0 ? "passes until the limits" : passes + " pass(es)", onOff(flush));
    }

    private static String onOff(boolean b) {
        return b ? "on" : "off";
    }

    private static boolean onOff(Map<String, String> w, String key, boolean absent) {
        String v = w.get(key);
        if (v == null) {
            return absent;
        }
        return switch (v) {
            case "on", "" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException(key + "=" + v + " is not on or off");
        };
    }

    private static long number(Map<String, String> w, String key, long absent, long max) {
        String v = w.get(key);
        if (v == null) {
            return absent;
        }
        if (v.isEmpty() || v.length() > 18 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException(key + "=" + v + " is not a decimal number");
        }
        long n = Long.parseLong(v);
        if (n > max) {
            throw new IllegalArgumentException(key + "=" + v + " is above " + max);
        }
        return n;
    }

    private static long seed(String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(SEED + "=" + v + " is not a decimal long", e);
        }
    }
}
