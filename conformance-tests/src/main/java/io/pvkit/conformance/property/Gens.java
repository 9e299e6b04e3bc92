package io.pvkit.conformance.property;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Generator building blocks: integers with edge cases, bytes, booleans, choices, lists and
 * combinators.
 *
 * <p>Integer generators shrink toward the value in range closest to 0 and, in random mode, pick an
 * edge case one time in four: 0, 1, -1, the range's ends and their neighbours, and the 32-bit wrap
 * points {@code 0xFFFFFFFF}, {@code 0x80000000}, {@code 0x7FFFFFFF} (and {@code 0x100000000} for
 * longs) when they lie in the range.
 */
public final class Gens {

    private static final long[] LONG_EDGES = {0, 1, -1, 2, 0xFFFF_FFFFL, 0x8000_0000L, 0x7FFF_FFFFL,
        0x1_0000_0000L, 0xFFFF_FFFF_FFFF_FFFFL, Long.MIN_VALUE, Long.MAX_VALUE, Integer.MIN_VALUE, Integer.MAX_VALUE};

    private Gens() {
    }

    /**
     * Longs in {@code [min, max]}, shrinking toward the value closest to 0.
     *
     * @param min the smallest value
     * @param max the largest value
     * @return the generator
     */
    public static Gen<Long> longs(long min, long max) {
        if (min > max) {
            throw new IllegalArgumentException("empty range " + min + ".." + max);
        }
        LongRange range = new LongRange(min, max);
        Set<Long> edges = new LinkedHashSet<>();
        for (long e : LONG_EDGES) {
            edges.add(e);
        }
        edges.addAll(List.of(min, max, min + 1, max - 1));
        long[] favoured = edges.stream().filter(v -> v >= min && v <= max).mapToLong(range::encode).toArray();
        return source -> range.decode(source.drawUnsigned(range.bound(), favoured));
    }

    /**
     * Any long, edge cases included.
     *
     * @return the generator
     */
    public static Gen<Long> longs() {
        return longs(Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /**
     * Unsigned 32-bit values {@code [0, 0xFFFFFFFF]} as longs (lengths, counts, grant refs).
     *
     * @return the generator
     */
    public static Gen<Long> uint32() {
        return longs(0, 0xFFFF_FFFFL);
    }

    /**
     * Ints in {@code [min, max]}, shrinking toward the value closest to 0.
     *
     * @param min the smallest value
     * @param max the largest value
     * @return the generator
     */
    public static Gen<Integer> ints(int min, int max) {
        return longs(min, max).map(Long::intValue);
    }

    /**
     * Any int, edge cases included; as ring indices these are the wrap points 0xFFFFFFFF,
     * 0x80000000 and 0x7FFFFFFF.
     *
     * @return the generator
     */
    public static Gen<Integer> ints() {
        return ints(Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /**
     * Booleans, shrinking toward {@code false}.
     *
     * @return the generator
     */
    public static Gen<Boolean> booleans() {
        return source -> source.drawUnsigned(1) != 0;
    }

    /**
     * Any byte value, shrinking toward 0.
     *
     * @return the generator
     */
    public static Gen<Byte> bytes() {
        return longs(Byte.MIN_VALUE, Byte.MAX_VALUE).map(Long::byteValue);
    }

    /**
     * Byte arrays with a length in {@code [minLength, maxLength]}.
     *
     * @param minLength the shortest length
     * @param maxLength the longest length
     * @return the generator
     */
    public static Gen<byte[]> byteArrays(int minLength, int maxLength) {
        return lists(bytes(), minLength, maxLength).map(list -> {
            byte[] out = new byte[list.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = list.get(i);
            }
            return out;
        });
    }

    /**
     * Always the same value.
     *
     * @param value the value
     * @param <T> its type
     * @return the generator
     */
    public static <T> Gen<T> constant(T value) {
        return source -> value;
    }

    /**
     * One of the given values, shrinking toward the first.
     *
     * @param values the values, simplest first
     * @param <T> their type
     * @return the generator
     */
    @SafeVarargs
    public static <T> Gen<T> choose(T... values) {
        List<T> list = new ArrayList<>(values.length);
        for (T v : values) {
            list.add(v);
        }
        return elements(list);
    }

    /**
     * One element of a list, shrinking toward the first.
     *
     * @param values the values, simplest first (not empty)
     * @param <T> their type
     * @return the generator
     */
    public static <T> Gen<T> elements(List<? extends T> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no values to choose from");
        }
        List<? extends T> copy = List.copyOf(values);
        return source -> copy.get((int) source.drawUnsigned(copy.size() - 1));
    }

    /**
     * A value of one of the given generators, shrinking toward the first generator.
     *
     * @param gens the generators, simplest first
     * @param <T> the common type
     * @return the generator
     */
    @SafeVarargs
    public static <T> Gen<T> oneOf(Gen<? extends T>... gens) {
        List<Gen<? extends T>> list = new ArrayList<>(gens.length);
        for (Gen<? extends T> g : gens) {
            list.add(g);
        }
        return oneOf(list);
    }

    /**
     * A value of one of the given generators, shrinking toward the first generator.
     *
     * @param gens the generators, simplest first (not empty)
     * @param <T> the common type
     * @return the generator
     */
    public static <T> Gen<T> oneOf(List<? extends Gen<? extends T>> gens) {
        if (gens.isEmpty()) {
            throw new IllegalArgumentException("no generators to choose from");
        }
        List<? extends Gen<? extends T>> copy = List.copyOf(gens);
        return source -> copy.get((int) source.drawUnsigned(copy.size() - 1)).generate(source);
    }

    /**
     * Lists of {@code element} values with a size in {@code [minSize, maxSize]}; shrinking drops
     * elements and simplifies the rest.
     *
     * @param element the element generator
     * @param minSize the smallest size
     * @param maxSize the largest size
     * @param <T> the element type
     * @return the generator
     */
    public static <T> Gen<List<T>> lists(Gen<? extends T> element, int minSize, int maxSize) {
        if (minSize < 0 || maxSize < minSize) {
            throw new IllegalArgumentException("bad size range " + minSize + ".." + maxSize);
        }
        int stopPercent = Math.clamp(100 / (1 + Math.min(maxSize - minSize, 16)), 1, 99);
        return source -> {
            List<T> out = new ArrayList<>();
            while (out.size() < maxSize) {
                source.startSpan();
                if (out.size() >= minSize && !source.drawContinue(stopPercent)) {
                    source.endSpan();
                    break;
                }
                out.add(element.generate(source));
                source.endSpan();
            }
            return out;
        };
    }

    /**
     * Pairs two generators.
     *
     * @param a the first generator
     * @param b the second generator
     * @param combine builds the result
     * @param <A> the first type
     * @param <B> the second type
     * @param <R> the result type
     * @return the generator
     */
    public static <A, B, R> Gen<R> zip(Gen<? extends A> a, Gen<? extends B> b,
                                       BiFunction<? super A, ? super B, ? extends R> combine) {
        return source -> combine.apply(a.generate(source), b.generate(source));
    }

    /**
     * Maps choices to values of {@code [min, max]} so that choice 0 is the value closest to 0 and
     * larger choices lie farther from it, alternating sides while both sides have room (0, 1, -1,
     * 2, -2, ...). All arithmetic is unsigned, so the full long range works.
     */
    record LongRange(long min, long max) {

        long origin() {
            return min > 0 ? min : Math.min(max, 0);
        }

        long bound() {
            return max - min;
        }

        private long above() {
            return max - origin();
        }

        private long below() {
            return origin() - min;
        }

        private long both() {
            long a = above();
            long b = below();
            return Long.compareUnsigned(a, b) < 0 ? a : b;
        }

        long decode(long choice) {
            long o = origin();
            long m = both();
            if (Long.compareUnsigned(choice, 2 * m) <= 0) {
                if (choice == 0) {
                    return o;
                }
                return (choice & 1) == 1 ? o + (choice >>> 1) + 1 : o - (choice >>> 1);
            }
            long k = choice - 2 * m;
            return Long.compareUnsigned(above(), below()) > 0 ? o + m + k : o - m - k;
        }

        long encode(long value) {
            long o = origin();
            long m = both();
            boolean up = value >= o;
            long distance = up ? value - o : o - value;
            if (Long.compareUnsigned(distance, m) <= 0) {
                return distance == 0 ? 0 : up ? 2 * distance - 1 : 2 * distance;
            }
            return 2 * m + (distance - m);
        }
    }
}
