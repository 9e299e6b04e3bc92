package io.pvkit.conformance.hostile;

import io.pvkit.abi.memory.MemoryAccess;

import java.lang.foreign.MemoryLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Base of scripted peers (frontends, backends, guests) that misbehave on purpose: a script of
 * numbered steps, each a set of raw writes into shared memory through the ABI layouts, run one at a
 * time between operations of the implementation under test.
 *
 * <p>Area kits extend it (e.g. a scripted frontend that publishes {@code req_prod} beyond the ring
 * size, moves it backwards, or rewrites a request after the backend read it) and add steps with
 * {@link #step(String, Consumer)}; writes name layout fields, so offsets are never hand-computed:
 * {@snippet :
 * final class OverflowingFrontend extends ScriptedPeer {
 *     OverflowingFrontend(MemoryAccess page, int ringSize) {
 *         super("overflowing frontend", page);
 *         step("req_prod = size + 1", p -> setField(SharedRingLayout.LAYOUT, 0, "req_prod", ringSize + 1));
 *         step("req_prod = 0xFFFFFFFF", p -> setField(SharedRingLayout.LAYOUT, 0, "req_prod", 0xFFFF_FFFFL));
 *     }
 * }
 * }
 * Every executed step is logged; {@link #transcript()} goes into failure messages so that a
 * failing verification says exactly what the peer did.
 */
public abstract class ScriptedPeer {

    /**
     * One scripted step.
     *
     * @param description what the step does, for the transcript
     * @param action the raw writes
     */
    public record Step(String description, Consumer<MemoryAccess> action) {
        /**
         * Validates the components.
         *
         * @param description what the step does
         * @param action the raw writes
         */
        public Step {
            Objects.requireNonNull(description, "description");
            Objects.requireNonNull(action, "action");
        }
    }

    private final String name;
    private final MemoryAccess memory;
    private final List<Step> steps = new ArrayList<>();
    private final List<String> executed = new ArrayList<>();
    private int next;

    /**
     * Creates a peer with an empty script.
     *
     * @param name the peer's name, for the transcript
     * @param memory the shared memory it writes (honest, e.g. a {@code GuestMemory}, or a {@link HostileMemory})
     */
    protected ScriptedPeer(String name, MemoryAccess memory) {
        this.name = Objects.requireNonNull(name, "name");
        this.memory = Objects.requireNonNull(memory, "memory");
    }

    /**
     * Appends a step to the script.
     *
     * @param description what the step does
     * @param action the raw writes; it receives the shared memory
     * @return this peer
     */
    protected final ScriptedPeer step(String description, Consumer<MemoryAccess> action) {
        steps.add(new Step(description, action));
        return this;
    }

    /**
     * The shared memory this peer writes.
     *
     * @return the view
     */
    protected final MemoryAccess memory() {
        return memory;
    }

    /**
     * Writes one field of a structure at {@code base}, choosing the access width from the field's
     * layout (1, 2, 4 or 8 bytes; the value is truncated to that width, as a C store would).
     *
     * @param layout the structure's layout, e.g. {@code SharedRingLayout.LAYOUT}
     * @param base the structure's offset in the shared memory
     * @param field the C field name
     * @param value the raw value
     */
    protected final void setField(MemoryLayout layout, long base, String field, long value) {
        MemoryLayout.PathElement path = MemoryLayout.PathElement.groupElement(field);
        long offset = base + layout.byteOffset(path);
        MemoryLayout member = layout.select(path);
        if (!(member instanceof java.lang.foreign.ValueLayout)) {
            throw new IllegalArgumentException("field " + field + " is not a scalar (" + member + "); use setBytes");
        }
        long size = member.byteSize();
        switch ((int) size) {
            case 1 -> memory.setByte(offset, (byte) value);
            case 2 -> memory.setShort(offset, (short) value);
            case 4 -> memory.setInt(offset, (int) value);
            case 8 -> memory.setLong(offset, value);
            default -> throw new IllegalArgumentException("field " + field + " is " + size + " bytes; use setBytes");
        }
    }

    /**
     * Publishes a 32-bit index field with a store-release (as an honest peer publishes
     * {@code req_prod}), whatever value it is.
     *
     * @param layout the structure's layout
     * @param base the structure's offset in the shared memory
     * @param field the C field name of a 4-byte field
     * @param value the raw value
     */
    protected final void publishIndex(MemoryLayout layout, long base, String field, int value) {
        MemoryLayout.PathElement path = MemoryLayout.PathElement.groupElement(field);
        if (layout.select(path).byteSize() != 4) {
            throw new IllegalArgumentException("field " + field + " is not a 32-bit index");
        }
        // ORDERING: release, so the slots written before are visible to a reader that acquires the index
        memory.setIntRelease(base + layout.byteOffset(path), value);
    }

    /**
     * Writes raw bytes at an offset (slot payloads, garbage, padding).
     *
     * @param offset where to write
     * @param bytes what to write
     */
    protected final void setBytes(long offset, byte[] bytes) {
        memory.write(offset, bytes, 0, bytes.length);
    }

    /**
     * Runs the next step of the script.
     *
     * @return {@code false} when the script was already finished
     */
    public final boolean runNext() {
        if (next >= steps.size()) {
            return false;
        }
        Step step = steps.get(next++);
        step.action().accept(memory);
        executed.add(step.description());
        return true;
    }

    /** Runs every remaining step. */
    public final void runAll() {
        while (runNext()) {
            // each step logs itself
        }
    }

    /**
     * How many steps remain.
     *
     * @return the number of steps not yet run
     */
    public final int remaining() {
        return steps.size() - next;
    }

    /**
     * The descriptions of the steps run so far, in order.
     *
     * @return the log
     */
    public final List<String> executed() {
        return List.copyOf(executed);
    }

    /**
     * A multi-line account of what the peer did, for failure messages.
     *
     * @return the transcript
     */
    public final String transcript() {
        StringBuilder sb = new StringBuilder(name).append(" ran ").append(executed.size()).append(" of ")
                .append(steps.size()).append(" steps:");
        for (int i = 0; i < executed.size(); i++) {
            sb.append("\n  ").append(i + 1).append(". ").append(executed.get(i));
        }
        return sb.toString();
    }
}
