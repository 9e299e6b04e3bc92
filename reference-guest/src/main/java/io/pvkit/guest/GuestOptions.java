package io.pvkit.guest;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a reference guest runs: its workload, how long (a number of rounds, a duration, or both: it
 * stops at the first limit reached), how much it writes on its console, and its patience with a
 * console backend that does not drain. Immutable; build with {@link #builder()}.
 *
 * {@snippet :
 * GuestOptions options = GuestOptions.builder()
 *         .workload(new EchoWorkload())
 *         .duration(Duration.ofSeconds(5))          // rounds unlimited unless also set
 *         .verbosity(ConsoleVerbosity.NORMAL)
 *         .build();
 * }
 */
public final class GuestOptions {
    /** Rounds when neither rounds nor a duration is set. */
    public static final long DEFAULT_ROUNDS = 100;
    /** Default interval between progress lines on the console. */
    public static final Duration DEFAULT_PROGRESS_INTERVAL = Duration.ofSeconds(1);
    /** Default time a console write waits for a full output ring to drain before dropping output. */
    public static final Duration DEFAULT_CONSOLE_STALL_TIMEOUT = Duration.ofSeconds(5);
    /** Default time the echo workload waits for domain 0 to connect its echo port. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** The default {@link #xenstoreTimeout()}. */
    public static final Duration DEFAULT_XENSTORE_TIMEOUT = Duration.ofSeconds(1);

    private final Workload workload;
    private final long rounds;
    private final Duration duration;
    private final ConsoleVerbosity verbosity;
    private final Duration progressInterval;
    private final Duration consoleStallTimeout;
    private final Duration connectTimeout;
    private final Duration xenstoreTimeout;

    private GuestOptions(Builder b) {
        this.workload = b.workload;
        this.duration = b.duration;
        this.rounds = b.rounds != 0 ? b.rounds : (b.duration == null ? DEFAULT_ROUNDS : Long.MAX_VALUE);
        this.verbosity = b.verbosity;
        this.progressInterval = b.progressInterval;
        this.consoleStallTimeout = b.consoleStallTimeout;
        this.connectTimeout = b.connectTimeout;
        this.xenstoreTimeout = b.xenstoreTimeout;
    }

    /**
     * A builder with the defaults: the echo workload, {@value #DEFAULT_ROUNDS} rounds,
     * {@link ConsoleVerbosity#NORMAL}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The defaults ({@code builder().build()}).
     *
     * @return options with every default
     */
    public static GuestOptions defaults() {
        return builder().build();
    }

    /**
     * The workload the guest runs after booting.
     *
     * @return the workload
     */
    public Workload workload() {
        return workload;
    }

    /**
     * The most rounds the workload runs.
     *
     * @return a positive count; {@link Long#MAX_VALUE} when only a duration limits the run
     */
    public long rounds() {
        return rounds;
    }

    /**
     * How long the workload runs at most, measured from its start.
     *
     * @return the duration, or empty when only the rounds limit the run
     */
    public Optional<Duration> duration() {
        return Optional.ofNullable(duration);
    }

    /**
     * How much the guest writes on its console.
     *
     * @return the verbosity
     */
    public ConsoleVerbosity verbosity() {
        return verbosity;
    }

    /**
     * The least time between two progress lines of the workload.
     *
     * @return a positive duration
     */
    public Duration progressInterval() {
        return progressInterval;
    }

    /**
     * How long a console write waits for a full output ring to drain before the rest of that write
     * is dropped (and later writes stop waiting until the ring drains again).
     *
     * @return a positive duration
     */
    public Duration consoleStallTimeout() {
        return consoleStallTimeout;
    }

    /**
     * How long the echo workload waits for domain 0 to bind the echo port before it fails.
     *
     * @return a positive duration
     */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /**
     * How long the guest waits at boot for xenstored to bind its store event channel (domain 0 does so
     * when the toolstack introduces the domain). When the port is still unbound after this, the guest boots
     * without xenstore and takes its echo port from the {@code pvkit.echo} command-line word. The xenbus
     * handshake itself waits up to {@link #connectTimeout()} per step.
     *
     * @return a positive duration
     */
    public Duration xenstoreTimeout() {
        return xenstoreTimeout;
    }

    @Override
    public String toString() {
        return "GuestOptions[workload=" + workload.name() + ", rounds="
                + (rounds == Long.MAX_VALUE ? "unlimited" : Long.toString(rounds))
                + ", duration=" + (duration == null ? "none" : duration) + ", verbosity=" + verbosity + "]";
    }

    /**
     * Builds {@link GuestOptions}. Not thread-safe.
     */
    public static final class Builder {
        private Workload workload = new EchoWorkload();
        private long rounds;
        private Duration duration;
        private ConsoleVerbosity verbosity = ConsoleVerbosity.NORMAL;
        private Duration progressInterval = DEFAULT_PROGRESS_INTERVAL;
        private Duration consoleStallTimeout = DEFAULT_CONSOLE_STALL_TIMEOUT;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration xenstoreTimeout = DEFAULT_XENSTORE_TIMEOUT;

        private Builder() {
        }

        /**
         * Sets the workload.
         *
         * @param workload what the guest runs after booting
         * @return this builder
         */
        public Builder workload(Workload workload) {
            this.workload = Objects.requireNonNull(workload, "workload");
            return this;
        }

        /**
         * Sets the most rounds (for the echo workload: round trips).
         *
         * @param rounds a positive count
         * @return this builder
         * @throws IllegalArgumentException when {@code rounds} is not positive
         */
        public Builder rounds(long rounds) {
            if (rounds <= 0) {
                throw new IllegalArgumentException("rounds must be positive, got " + rounds);
            }
            this.rounds = rounds;
            return this;
        }

        /**
         * Sets the longest run time of the workload. Without {@link #rounds(long)} the rounds are then
         * unlimited.
         *
         * @param duration a positive duration
         * @return this builder
         * @throws IllegalArgumentException when {@code duration} is zero or negative
         */
        public Builder duration(Duration duration) {
            this.duration = positive(duration, "duration");
            return this;
        }

        /**
         * Sets the console verbosity.
         *
         * @param verbosity how much the guest writes
         * @return this builder
         */
        public Builder verbosity(ConsoleVerbosity verbosity) {
            this.verbosity = Objects.requireNonNull(verbosity, "verbosity");
            return this;
        }

        /**
         * Sets the least time between two progress lines.
         *
         * @param interval a positive duration
         * @return this builder
         */
        public Builder progressInterval(Duration interval) {
            this.progressInterval = positive(interval, "progress interval");
            return this;
        }

        /**
         * Sets how long a console write waits for a full ring to drain.
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder consoleStallTimeout(Duration timeout) {
            this.consoleStallTimeout = positive(timeout, "console stall timeout");
            return this;
        }

        /**
         * Sets how long the echo workload waits for domain 0 to bind the echo port.
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connect timeout");
            return this;
        }

        /**
         * Sets how long the guest waits at boot for xenstored to bind its store event channel.
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder xenstoreTimeout(Duration timeout) {
            this.xenstoreTimeout = positive(timeout, "xenstore timeout");
            return this;
        }

        /**
         * Builds the options.
         *
         * @return the immutable options
         */
        public GuestOptions build() {
            return new GuestOptions(this);
        }

        private static Duration positive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(what + " must be positive, got " + d);
            }
            return d;
        }
    }
}
