package io.pvkit.conformance.property;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Shrinks a failing choice sequence to a simpler one that still fails.
 *
 * <p>"Simpler" is shortlex order on the choices (fewer choices first, then smaller unsigned values).
 * Passes, repeated until none improves: delete each recorded span (a list element or a model step,
 * largest first), delete chunks of 8, 4, 2 and 1 choices, then lower each choice (to 0, by binary
 * search, and by a same-parity binary search that suits the 0, 1, -1, 2, -2 integer encoding).
 */
final class Shrinker {

    private final Function<long[], Property.Outcome> replay;
    private final int maxRuns;
    private int runs;
    private Property.Outcome best;

    Shrinker(Function<long[], Property.Outcome> replay, int maxRuns) {
        this.replay = replay;
        this.maxRuns = maxRuns;
    }

    Property.Outcome shrink(Property.Outcome failing) {
        best = failing;
        boolean improved = true;
        while (improved && runs < maxRuns) {
            improved = deleteSpans() || deleteChunks() || lowerValues();
        }
        return best.withRuns(runs);
    }

    private boolean deleteSpans() {
        List<int[]> spans = new ArrayList<>(best.spans());
        spans.sort(Comparator.comparingInt((int[] s) -> s[1] - s[0]).reversed());
        for (int[] span : spans) {
            if (span[1] <= best.choices().length && attempt(delete(best.choices(), span[0], span[1]))) {
                return true;
            }
        }
        return false;
    }

    private boolean deleteChunks() {
        for (int k = 8; k >= 1; k /= 2) {
            for (int start = best.choices().length - k; start >= 0; start--) {
                if (attempt(delete(best.choices(), start, start + k))) {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean lowerValues() {
        boolean improved = false;
        for (int i = 0; i < best.choices().length && runs < maxRuns; i++) {
            long value = best.choices()[i];
            if (value == 0) {
                continue;
            }
            if (attempt(with(best.choices(), i, 0))) {
                improved = true;
                continue;
            }
            improved |= binarySearch(i, 0, value, 1);
            value = best.choices()[i];
            if (value >= 2) {
                improved |= binarySearch(i, value & 1, value, 2);
            }
        }
        return improved;
    }

    /** Finds the smallest failing value {@code low + step * j} below {@code high}, assuming monotony. */
    private boolean binarySearch(int index, long low, long high, long step) {
        boolean improved = false;
        long lo = low;
        long hi = high;
        while (Long.compareUnsigned(hi - lo, step) > 0 && runs < maxRuns && index < best.choices().length) {
            long mid = lo + Long.divideUnsigned(Long.divideUnsigned(hi - lo, step), 2) * step;
            if (mid == lo) {
                break;
            }
            if (attempt(with(best.choices(), index, mid))) {
                hi = mid;
                improved = true;
            } else {
                lo = mid;
            }
        }
        return improved;
    }

    private boolean attempt(long[] candidate) {
        if (runs >= maxRuns || !simpler(candidate, best.choices())) {
            return false;
        }
        runs++;
        Property.Outcome outcome = replay.apply(candidate);
        if (outcome.failure() != null && !outcome.rejected() && simpler(outcome.choices(), best.choices())) {
            best = outcome;
            return true;
        }
        return false;
    }

    private static boolean simpler(long[] a, long[] b) {
        if (a.length != b.length) {
            return a.length < b.length;
        }
        return Arrays.compareUnsigned(a, b) < 0;
    }

    private static long[] delete(long[] choices, int from, int to) {
        long[] out = new long[choices.length - (to - from)];
        System.arraycopy(choices, 0, out, 0, from);
        System.arraycopy(choices, to, out, from, choices.length - to);
        return out;
    }

    private static long[] with(long[] choices, int index, long value) {
        long[] out = choices.clone();
        out[index] = value;
        return out;
    }
}
