package io.pvkit.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parsers of the human units the options take: memory sizes ({@code 4M}) and run times ({@code 5s}). */
final class Units {

    /** The smallest guest memory the demo accepts: 256 KiB (64 frames). */
    static final long MIN_MEMORY = 256L << 10;
    /** The largest guest memory the demo accepts: 4 GiB. */
    static final long MAX_MEMORY = 4L << 30;
    /** The longest run the demo accepts: one day. */
    static final Duration MAX_DURATION = Duration.ofDays(1);

    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})([KMG]?)(I?B)?");
    private static final Pattern TIME = Pattern.compile("(\\d{1,9})(MS|S|M|H)?");

    private Units() {
    }

    /**
     * Parses a memory size: a whole number with an optional binary unit K, M or G ({@code 4M} is 4 MiB),
     * a multiple of 4 KiB between {@link #MIN_MEMORY} and {@link #MAX_MEMORY}.
     *
     * @param text the option's value
     * @return the size in bytes
     * @throws TypeConversionException when the text is not such a size
     */
    static long parseMemory(String text) {
        long bytes = parseBytes(text, MAX_MEMORY, "the 4G a guest may have");
        if (bytes < MIN_MEMORY) {
            throw new TypeConversionException("'" + text + "' is less than the 256K a guest needs");
        }
        if ((bytes & 0xFFF) != 0) {
            throw new TypeConversionException("'" + text + "' is not a whole number of 4K pages");
        }
        return bytes;
    }

    /** The largest disk image the demo creates: 1 TiB (sparse). */
    static final long MAX_DISK = 1L << 40;

    /**
     * Parses a size in bytes with an optional binary unit K, M or G, at most {@code max}.
     *
     * @param text the option's value
     * @param max the largest size accepted
     * @param maxText how the limit is named in the error
     * @return the size in bytes
     * @throws TypeConversionException when the text is not such a size
     */
    static long parseBytes(String text, long max, String maxText) {
        Matcher m = SIZE.matcher(text.strip().toUpperCase(Locale.ROOT));
        if (!m.matches()) {
            throw new TypeConversionException("'" + text + "' is not a memory size like 4M, 512K or 1G");
        }
        int shift = switch (m.group(2)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            default -> 0;
        };
        long n = Long.parseLong(m.group(1));
        if (n > (max >>> shift)) {
            throw new TypeConversionException("'" + text + "' is more than " + maxText);
        }
        return n << shift;
    }

    /**
     * Parses a run time: a whole number with a unit {@code ms}, {@code s}, {@code m} or {@code h} (seconds
     * when there is none), more than zero and at most {@link #MAX_DURATION}.
     *
     * @param text the option's value
     * @return the duration
     * @throws TypeConversionException when the text is not such a run time
     */
    static Duration parseDuration(String text) {
        Matcher m = TIME.matcher(text.strip().toUpperCase(Locale.ROOT));
        if (!m.matches()) {
            throw new TypeConversionException("'" + text + "' is not a run time like 5s, 500ms or 2m");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "S" : m.group(2);
        Duration d = switch (unit) {
            case "MS" -> Duration.ofMillis(n);
            case "M" -> Duration.ofMinutes(n);
            case "H" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
        if (d.isZero() || d.compareTo(MAX_DURATION) > 0) {
            throw new TypeConversionException("'" + text + "' is not between 1ms and 24h");
        }
        return d;
    }

    /** {@link #parseMemory} for picocli. */
    static final class MemoryConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return parseMemory(value);
        }
    }

    /** A disk or block size (up to 1T) for picocli; the command checks the finer rules. */
    static final class ByteSizeConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return parseBytes(value, MAX_DISK, "the 1T a demo disk may have");
        }
    }

    /** {@link #parseDuration} for picocli. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return parseDuration(value);
        }
    }
}
