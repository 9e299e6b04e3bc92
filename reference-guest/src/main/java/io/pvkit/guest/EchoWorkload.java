package io.pvkit.guest;

import io.pvkit.abi.evtchn.EvtchnStatus;

import java.util.Locale;

/**
 * The echo ping-pong with domain 0: the guest notifies its echo port ({@link GuestEnvironment#echoPort()}:
 * the echo device's {@code event-channel} after the xenbus handshake, else the {@code pvkit.echo} word), sleeps
 * ({@code SCHEDOP_block}) until the demultiplexer delivers domain 0's answer on the same port, counts
 * the round trip, and repeats until the rounds or the duration of the options are used up. It writes a
 * progress line at most once per progress interval and ends with the summary line
 * {@code "echo: N round trips, mean X us"}.
 *
 * <p>Before the first ping it waits (up to {@link GuestOptions#connectTimeout()}) until domain 0 has
 * bound the port: a notification on a port that is still unbound is dropped by the hypervisor, and the
 * guest would wait for its answer forever. Domain 0 answers each notification with one notification,
 * and pending is a level, so the guest keeps exactly one ping in flight and counts a pong only while a
 * ping is in flight. Binding a port leaves the binder's end pending (Xen's {@code bind_interdomain}),
 * so domain 0 may answer once without a ping: an answer already pending when the workload starts is
 * discarded; one that arrives after the first ping was sent cannot be told apart and completes that
 * round early (every later round trip is then measured against the previous ping's answer, and domain
 * 0 sees one notification more than the guest's pings). When the backend closes the echo device (its
 * xenbus state goes Closing), the workload stops after the current round and the frontend follows to Closed.
 */
public final class EchoWorkload implements Workload {
    /** The workload's name. */
    public static final String NAME = "echo";

    /** The echo workload. */
    public EchoWorkload() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void run(GuestEnvironment env) throws Exception {
        int port = env.echoPort();
        awaitConnected(env, port);
        // handlers run on this thread, inside awaitEvents()/pollEvents(): plain state is enough
        long[] pongs = new long[1];
        boolean[] inFlight = new boolean[1];
        env.events().bind(port, p -> {
            if (inFlight[0]) {
                inFlight[0] = false;
                pongs[0]++;
                env.stats().pongReceived();
            }
        });
        // Xen's bind_interdomain leaves the binder's port pending, so domain 0's echo service may have
        // answered that event before our first ping: absorb such a stale answer now
        env.events().pollEvents();
        long intervalNanos = env.options().progressInterval().toNanos();
        long lastProgress = System.nanoTime();
        long rounds = 0;
        long totalNanos = 0;
        try {
            while (!env.limitReached(rounds)) {
                if (env.echoClosedByBackend()) {
                    env.log(ConsoleVerbosity.NORMAL, "echo: the backend closed the device after " + rounds + " round trips");
                    break;
                }
                long before = pongs[0];
                long start = System.nanoTime();
                inFlight[0] = true;
                env.events().send(port);
                env.stats().pingSent();
                while (pongs[0] == before) {
                    env.events().awaitEvents();
                }
                long rtt = System.nanoTime() - start;
                totalNanos += rtt;
                rounds++;
                env.stats().roundTrip(rtt);
                if (System.nanoTime() - lastProgress >= intervalNanos) {
                    lastProgress = System.nanoTime();
                    env.log(ConsoleVerbosity.NORMAL, "echo: " + rounds + " round trips so far");
                }
            }
        } finally {
            env.events().unbind(port);
        }
        env.log(ConsoleVerbosity.QUIET, summary(rounds, totalNanos));
    }

    /**
     * The summary line.
     *
     * @param rounds completed round trips
     * @param totalNanos their total time
     * @return {@code "echo: N round trips, mean X us"} with X to one decimal
     */
    static String summary(long rounds, long totalNanos) {
        double meanMicros = rounds == 0 ? 0 : totalNanos / 1000.0 / rounds;
        return String.format(Locale.ROOT, "echo: %d round trips, mean %.1f us", rounds, meanMicros);
    }

    private static void awaitConnected(GuestEnvironment env, int port) throws BootException {
        long deadline = System.nanoTime() + env.options().connectTimeout().toNanos();
        EvtchnStatus status;
        while ((status = env.events().status(port)) == EvtchnStatus.UNBOUND) {
            if (System.nanoTime() - deadline >= 0) {
                throw new BootException("echo: domain 0 did not connect port " + port + " within "
                        + env.options().connectTimeout());
            }
            env.events().pause();
        }
        if (status != EvtchnStatus.INTERDOMAIN) {
            throw new BootException("echo: port " + port + " is " + status + ", not an interdomain channel");
        }
    }
}
