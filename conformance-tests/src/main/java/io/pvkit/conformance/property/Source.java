package io.pvkit.conformance.property;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Where generated values come from: a recorded sequence of unsigned choices.
 *
 * <p>Every generator draws raw choices here. In <em>random</em> mode a choice comes from a
 * {@link SplittableRandom} seeded with the try's seed (so a seed reproduces a case exactly); in
 * <em>replay</em> mode it comes from a given sequence, and once that is exhausted every further
 * choice is 0. Choices are recorded, together with <em>spans</em> (the choices of one list element
 * or one model step). The shrinker works on this record: it deletes spans and chunks and lowers
 * values, then replays; because every generator maps a smaller choice to a simpler value (0 to the
 * value closest to 0, the first alternative, the end of a list), a shorter and smaller choice
 * sequence is a simpler case. This is the "integrated shrinking" of Hypothesis: shrinking works
 * through {@code map}, {@code flatMap} and model-dependent generators without extra code.
 */
public final class Source {

    /** Upper limit of choices per case; a generator drawing more is rejected. */
    public static final int MAX_CHOICES = 1 << 16;

    /** Thrown to reject a case (a filter could not be satisfied, or too many choices). */
    static final class Rejected extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Rejected(String message) {
            super(message, null, false, false);
        }
    }

    private final SplittableRandom random;
    private final long[] prefix;
    private long[] choices = new long[64];
    private int size;
    private final List<int[]> spans = new ArrayList<>();
    private final Deque<Integer> open = new ArrayDeque<>();

    private Source(SplittableRandom random, long[] prefix) {
        this.random = random;
        this.prefix = prefix;
    }

    static Source random(long seed) {
        return new Source(new SplittableRandom(seed), null);
    }

    static Source replay(long[] prefix) {
        return new Source(null, prefix.clone());
    }

    /**
     * Draws an unsigned choice in {@code [0, bound]} (both compared unsigned).
     *
     * @param bound the largest allowed choice, unsigned ({@code -1} means all 64 bits)
     * @return the choice
     */
    public long drawUnsigned(long bound) {
        return drawUnsigned(bound, null);
    }

    /**
     * Draws an unsigned choice in {@code [0, bound]}, in random mode preferring (one draw in four)
     * one of the {@code favoured} choices, e.g. the encodings of edge cases such as 0, -1 or
     * {@code 0x80000000}. The bias only affects generation; the recorded choice is the plain value.
     *
     * @param bound the largest allowed choice, unsigned
     * @param favoured choices to prefer, each within the bound; may be {@code null}
     * @return the choice
     */
    public long drawUnsigned(long bound, long[] favoured) {
        if (size >= MAX_CHOICES) {
            throw new Rejected("more than " + MAX_CHOICES + " choices");
        }
        long value;
        if (random == null) {
            value = size < prefix.length ? prefix[size] : 0;
            if (Long.compareUnsigned(value, bound) > 0) {
                value = bound;
            }
        } else if (favoured != null && favoured.length > 0 && random.nextInt(4) == 0) {
            value = favoured[random.nextInt(favoured.length)];
        } else {
            value = uniform(bound);
        }
        if (size == choices.length) {
            choices = Arrays.copyOf(choices, size * 2);
        }
        choices[size++] = value;
        return value;
    }

    /**
     * Decides whether a sequence continues; choice 0 (the simplest) ends it.
     *
     * @param stopPercent the chance, in percent (1..99), that random generation stops here
     * @return {@code true} to continue
     */
    public boolean drawContinue(int stopPercent) {
        return drawUnsigned(99) >= Math.clamp(stopPercent, 1, 99);
    }

    /** Opens a span: the choices drawn until the matching {@link #endSpan()} form one unit. */
    public void startSpan() {
        open.push(size);
    }

    /** Closes the innermost open span. */
    public void endSpan() {
        int start = open.pop();
        if (size > start) {
            spans.add(new int[] {start, size});
        }
    }

    /**
     * Whether this source replays a recorded sequence instead of drawing random choices.
     *
     * @return {@code true} in replay mode
     */
    public boolean isReplay() {
        return random == null;
    }

    long[] choices() {
        return Arrays.copyOf(choices, size);
    }

    List<int[]> spans() {
        return List.copyOf(spans);
    }

    private long uniform(long bound) {
        if (bound == -1L) {
            return random.nextLong();
        }
        if (bound >= 0) {
            return bound == Long.MAX_VALUE ? random.nextLong() & Long.MAX_VALUE : random.nextLong(bound + 1);
        }
        while (true) {
            long r = random.nextLong();
            if (Long.compareUnsigned(r, bound) <= 0) {
                return r;
            }
        }
    }
}
