package io.pvkit.hypervisor.dom0.block;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The threads that serve every block queue: a few workers (by default one per core, at most
 * {@value #MAX_WORKERS}), each owning a set of queues that it serves in rounds, one bounded turn per queue
 * ({@link BlockQueue#turn}), the way a vhost worker or a NAPI poll loop serves many queues from one thread.
 * A thread per queue (Linux's per-ring kthread) would put 256 threads on 2 cores for 64 guests of 4 queues, each
 * polling and yielding, and would leave fairness between a flooding guest and a quiet one to the OS scheduler;
 * here a round gives every queue with work one budget and no more, and empty kicks cost one look.
 *
 * <p>A new queue goes to the worker with the fewest queues (a device's queues spread over the workers). A worker
 * thread starts with its first queue and ends when its last queue leaves, so a backend with no connected queue
 * has no threads (the stop of the last queue returns after its thread ended). A worker's round: every queue's turn; then, if some queue worked, the next round (after a
 * {@code Thread.yield} when some queue used its whole budget, so guests' vCPUs run between rounds); if some
 * queue is inside its poll window, the next round after a spin (first {@value #SPIN_NANOS} ns of idleness) or a
 * yield; if every queue is armed, it parks until a kick (at most {@value #PARK_MILLIS} ms: then it sweeps its
 * armed rings for requests whose notification was lost).
 *
 * <p>The number of workers is the system property {@value #PROPERTY} (read when the backend is created;
 * default: available processors).
 */
final class BlockWorkers {
    /** System property: the number of worker threads. */
    static final String PROPERTY = "pvkit.blkback.workers";
    /** The most worker threads. */
    static final int MAX_WORKERS = 64;
    /**
     * A worker whose queues are all empty but polling spins ({@link Thread#onSpinWait}) this long before it yields
     * between rounds: a frontend with one request in flight answers within microseconds, and a
     * {@code sched_yield} per look costs a system call and, when other threads are runnable, a switch.
     */
    static final long SPIN_NANOS = 5_000;
    /** The longest a worker parks without a kick (a safety net; kicks normally wake it). */
    static final long PARK_MILLIS = 100;
    private static final long PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(PARK_MILLIS);
    private static final BlockQueue[] NONE = new BlockQueue[0];

    private final Worker[] workers;
    private int started;

    /**
     * @param count the number of worker threads, 1..{@value #MAX_WORKERS}
     */
    BlockWorkers(int count) {
        if (count < 1 || count > MAX_WORKERS) {
            throw new IllegalArgumentException("workers must be 1.." + MAX_WORKERS + ": " + count);
        }
        workers = new Worker[count];
    }

    /** Workers from {@value #PROPERTY} (default: available processors; malformed: default; clamped). */
    static BlockWorkers fromProperty() {
        int n = Runtime.getRuntime().availableProcessors();
        String v = System.getProperty(PROPERTY);
        if (v != null) {
            try {
                n = Integer.parseInt(v.trim());
            } catch (NumberFormatException e) {
                // the default
            }
        }
        return new BlockWorkers(Math.clamp(n, 1, MAX_WORKERS));
    }

    /** The number of worker threads when all are running. */
    int size() {
        return workers.length;
    }

    /**
     * Gives a queue to the worker with the fewest queues (starting its thread if it has none).
     *
     * @param q the queue, not yet served
     */
    synchronized void add(BlockQueue q) {
        int best = 0;
        for (int i = 1; i < workers.length; i++) {
            if (load(i) < load(best)) {
                best = i;
            }
        }
        Worker w = workers[best];
        if (w == null) {
            w = new Worker(this, "blkback-w" + best + "-" + started++);
            workers[best] = w;
            q.owner(w);
            w.queues = new BlockQueue[] {q};
            w.thread.start();
            return;
        }
        q.owner(w);
        BlockQueue[] qs = Arrays.copyOf(w.queues, w.queues.length + 1);
        qs[qs.length - 1] = q;
        w.queues = qs;
        LockSupport.unpark(w.thread);
    }

    private int load(int i) {
        return workers[i] == null ? 0 : workers[i].queues.length;
    }

    /** Drops a finished queue (its worker's thread); a worker left with none retires (its thread ends). */
    private synchronized void remove(Worker w, BlockQueue q) {
        BlockQueue[] qs = w.queues;
        int at = Arrays.asList(qs).indexOf(q);
        if (at < 0) {
            return;
        }
        BlockQueue[] rest = new BlockQueue[qs.length - 1];
        System.arraycopy(qs, 0, rest, 0, at);
        System.arraycopy(qs, at + 1, rest, at, qs.length - at - 1);
        w.queues = rest.length == 0 ? NONE : rest;
        if (rest.length == 0) {
            for (int i = 0; i < workers.length; i++) {
                if (workers[i] == w) {
                    workers[i] = null; // the next queue starts a new thread
                }
            }
            w.retired = true;
        }
    }

    /** One worker thread and the queues it serves. */
    static final class Worker implements Runnable {
        private final BlockWorkers pool;
        private final Thread thread;
        /** Copy-on-write, written under the pool's lock. */
        private volatile BlockQueue[] queues = NONE;
        private volatile boolean parked;
        /** Its last queue left: the thread ends (set under the pool's lock). */
        private volatile boolean retired;

        private Worker(BlockWorkers pool, String name) {
            this.pool = pool;
            this.thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this);
        }

        /** Unparks the thread if it sleeps (any thread). */
        void wake() {
            if (parked) {
                LockSupport.unpark(thread);
            }
        }

        boolean isCurrentThread() {
            return Thread.currentThread() == thread;
        }

        /** Drops a queue that finished (this worker's thread). */
        void remove(BlockQueue q) {
            pool.remove(this, q);
        }

        /**
         * Waits for the thread to end if it retired (its last queue left), so that a backend with no queues has no
         * threads once the last stop returns.
         */
        void awaitRetired(long timeoutMillis) throws InterruptedException {
            if (retired) {
                thread.join(timeoutMillis);
            }
        }

        @Override
        public void run() {
            long idleSince = 0;
            boolean idle = false;
            while (!retired) {
                BlockQueue[] qs = queues;
                long now = System.nanoTime();
                boolean worked = false;
                boolean full = false;
                boolean polling = false;
                for (BlockQueue q : qs) {
                    switch (q.turn(now)) {
                        case BlockQueue.FULL -> full = true;
                        case BlockQueue.WORKED -> worked = true;
                        case BlockQueue.POLLING -> polling = true;
                        default -> { }
                    }
                }
                if (full || worked) {
                    idle = false;
                    if (full) {
                        Thread.yield(); // bounded rounds: guests' vCPUs and other threads run between them
                    }
                } else if (polling) {
                    if (!idle) {
                        idle = true;
                        idleSince = now;
                    }
                    if (now - idleSince < SPIN_NANOS) {
                        Thread.onSpinWait();
                    } else {
                        Thread.yield();
                    }
                } else if (!retired) {
                    idle = false;
                    sleep(qs);
                }
            }
        }

        /** Parks until a kick, a new queue, a stop or the safety-net timeout; then sweeps after a timeout. */
        private void sleep(BlockQueue[] qs) {
            parked = true;
            // ORDERING: parked is written before the flags are read; kick() writes its flag before it reads parked
            // (both volatile), so either this look sees the kick or the kicker sees parked and unparks
            boolean pending = queues != qs;
            for (int i = 0; i < qs.length && !pending; i++) {
                pending = qs[i].pending();
            }
            if (!pending) {
                long t0 = System.nanoTime();
                long nanos = PARK_NANOS;
                for (BlockQueue q : qs) {
                    long at = q.unmaskAt();
                    if (at != 0) {
                        nanos = Math.max(0, Math.min(nanos, at - t0));
                    }
                }
                LockSupport.parkNanos(this, nanos);
                if (System.nanoTime() - t0 >= PARK_NANOS) {
                    for (BlockQueue q : queues) {
                        q.sweep();
                    }
                }
            }
            parked = false;
        }
    }
}
