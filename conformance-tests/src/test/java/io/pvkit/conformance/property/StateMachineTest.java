package io.pvkit.conformance.property;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The engine finds a planted off-by-one in a bounded queue and shrinks it to the minimal sequence. */
class StateMachineTest {

    /** A bounded FIFO whose full check is off by one when {@code buggy}: it accepts capacity + 1 items. */
    static final class BoundedQueue implements AutoCloseable {
        private final int capacity;
        private final boolean buggy;
        private final ArrayDeque<Integer> items = new ArrayDeque<>();
        private boolean closed;
        static final AtomicInteger OPEN = new AtomicInteger();

        BoundedQueue(int capacity, boolean buggy) {
            this.capacity = capacity;
            this.buggy = buggy;
            OPEN.incrementAndGet();
        }

        boolean offer(int value) {
            if (buggy ? items.size() > capacity : items.size() >= capacity) {
                return false;
            }
            items.addLast(value);
            return true;
        }

        int poll() {
            return items.removeFirst();
        }

        int size() {
            return items.size();
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                OPEN.decrementAndGet();
            }
        }
    }

    /** The immutable model: the items in order and the capacity. */
    record QueueModel(List<Integer> items, int capacity) {
        QueueModel with(int value) {
            List<Integer> next = new ArrayList<>(items);
            next.add(value);
            return new QueueModel(List.copyOf(next), capacity);
        }

        QueueModel tail() {
            return new QueueModel(List.copyOf(items.subList(1, items.size())), capacity);
        }

        boolean full() {
            return items.size() == capacity;
        }
    }

    record Offer(int value) implements Action<QueueModel, BoundedQueue> {
        @Override
        public void run(BoundedQueue queue, QueueModel model) {
            assertEquals(!model.full(), queue.offer(value), "offer result");
        }

        @Override
        public QueueModel nextModel(QueueModel model) {
            return model.full() ? model : model.with(value);
        }

        @Override
        public String toString() {
            return "offer(" + value + ")";
        }
    }

    record Poll() implements Action<QueueModel, BoundedQueue> {
        @Override
        public boolean precondition(QueueModel model) {
            return !model.items().isEmpty();
        }

        @Override
        public void run(BoundedQueue queue, QueueModel model) {
            assertEquals(model.items().getFirst(), queue.poll(), "poll result");
        }

        @Override
        public QueueModel nextModel(QueueModel model) {
            return model.tail();
        }

        @Override
        public String toString() {
            return "poll()";
        }
    }

    private static StateMachine<QueueModel, BoundedQueue> machine(boolean buggy) {
        return StateMachine.<QueueModel, BoundedQueue>of(() -> new QueueModel(List.of(), 3),
                        () -> new BoundedQueue(3, buggy),
                        model -> Gens.<Action<QueueModel, BoundedQueue>>oneOf(
                                Gens.ints(-1000, 1000).map(Offer::new), Gens.constant(new Poll())))
                .withInvariant((model, queue) -> assertEquals(model.items().size(), queue.size(), "size"));
    }

    @Test
    void shouldPassACorrectQueue() {
        Property.named("correctQueue").tries(200).check(machine(false));
        assertEquals(0, BoundedQueue.OPEN.get(), "every system under test is closed");
    }

    @Test
    void shouldShrinkThePlantedOffByOneToFourOffers() {
        PropertyFailure f = assertThrows(PropertyFailure.class,
                () -> Property.named("buggyQueue").tries(500).check(machine(true)));
        assertEquals(List.of("offer(0)", "offer(0)", "offer(0)", "offer(0)"), f.steps(), f.getMessage());
        assertTrue(f.originalSteps().size() >= 4);
        assertTrue(f.getMessage().contains("offer result"), f.getMessage());
        assertEquals(0, BoundedQueue.OPEN.get(), "every system under test is closed");
    }

    @Test
    void shouldReplayTheSameFailureFromThePrintedSeed() {
        PropertyFailure first = assertThrows(PropertyFailure.class,
                () -> Property.named("buggyQueue").tries(500).check(machine(true)));
        PropertyFailure replayed = assertThrows(PropertyFailure.class,
                () -> Property.named("buggyQueue").seed(first.seed()).check(machine(true)));
        assertEquals(first.seed(), replayed.seed());
        assertEquals(first.originalSteps(), replayed.originalSteps());
        assertEquals(first.steps(), replayed.steps());
        assertTrue(replayed.getMessage().contains("failed on try 1 of 1 (seed " + first.seed() + ")"));
    }

    @Test
    void shouldReplayFromTheSeedSystemProperty() {
        PropertyFailure first = assertThrows(PropertyFailure.class,
                () -> Property.named("buggyQueue").tries(500).check(machine(true)));
        String old = System.getProperty("pvkit.seed");
        System.setProperty("pvkit.seed", Long.toString(first.seed()));
        try {
            PropertyFailure replayed = assertThrows(PropertyFailure.class,
                    () -> Property.named("buggyQueue").check(machine(true)));
            assertEquals(first.originalSteps(), replayed.originalSteps());
            assertEquals(first.steps(), replayed.steps());
        } finally {
            PropertyTest.restore("pvkit.seed", old);
        }
    }

    @Test
    void shouldOnlyGenerateStepsWhosePreconditionHolds() {
        Property.named("pollNeverOnEmpty").tries(200).check(machine(false).withInvariant((m, q) -> {
            assertTrue(m.items().size() <= 3);
        }));
    }
}
