package io.pvkit.conformance.property;

import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A generator of values of type {@code T}, drawing its randomness from a {@link Source}.
 *
 * <p>Generators are pure functions of the source's choices, so a seed reproduces a value and the
 * shrinker can simplify any generator (including {@link #map} and {@link #flatMap} chains) by
 * simplifying the choices. {@link Gens} has the building blocks.
 *
 * @param <T> the type of generated values
 */
@FunctionalInterface
public interface Gen<T> {

    /**
     * Generates one value.
     *
     * @param source the choices to draw from
     * @return the value
     */
    T generate(Source source);

    /**
     * A generator of {@code f} applied to this generator's values; shrinks with them.
     *
     * @param f the mapping function
     * @param <R> the result type
     * @return the mapped generator
     */
    default <R> Gen<R> map(Function<? super T, ? extends R> f) {
        return source -> f.apply(generate(source));
    }

    /**
     * A generator whose second stage depends on this generator's value.
     *
     * @param f chooses the next generator from a value
     * @param <R> the result type
     * @return the combined generator
     */
    default <R> Gen<R> flatMap(Function<? super T, ? extends Gen<? extends R>> f) {
        return source -> f.apply(generate(source)).generate(source);
    }

    /**
     * A generator of only the values that satisfy {@code predicate}; after 100 misses the case is
     * rejected (not counted as a try). Prefer generating valid values directly.
     *
     * @param predicate the condition
     * @return the filtered generator
     */
    default Gen<T> filter(Predicate<? super T> predicate) {
        return source -> {
            for (int i = 0; i < 100; i++) {
                T value = generate(source);
                if (predicate.test(value)) {
                    return value;
                }
            }
            throw new Source.Rejected("filter rejected 100 values");
        };
    }
}
