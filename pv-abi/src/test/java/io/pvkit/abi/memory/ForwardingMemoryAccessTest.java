package io.pvkit.abi.memory;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ForwardingMemoryAccessTest {

    /** Left to the interface's default on purpose (they go through read and write; see the class Javadoc). */
    private static final Set<String> NOT_FORWARDED = Set.of("copyOut", "copyIn");

    @Test
    void shouldDeclareAForwardOfEveryMemoryAccessMethod() throws NoSuchMethodException {
        List<String> missing = new ArrayList<>();
        for (Method m : MemoryAccess.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers()) || NOT_FORWARDED.contains(m.getName())) {
                continue;
            }
            Method declared = ForwardingMemoryAccess.class.getMethod(m.getName(), m.getParameterTypes());
            if (declared.getDeclaringClass() != ForwardingMemoryAccess.class) {
                missing.add(m.getName()); // a default method a wrapper's delegate would never see
            }
        }
        assertEquals(List.of(), missing, "MemoryAccess methods that ForwardingMemoryAccess does not forward");
    }

    @Test
    void shouldForwardTheReleaseFenceToTheDelegate() {
        AtomicInteger fences = new AtomicInteger();
        try (GuestMemory memory = GuestMemory.allocate(1)) {
            MemoryAccess inner = new ForwardingMemoryAccess(memory) {
                @Override
                public void releaseFence() {
                    fences.incrementAndGet();
                    delegate().releaseFence();
                }
            };
            MemoryAccess outer = new ForwardingMemoryAccess(inner) {
            };
            outer.releaseFence();
            memory.releaseFence(); // GuestMemory's own: the interface's default, VarHandle.releaseFence()
            assertEquals(1, fences.get(), "fences seen by the inner wrapper");
        }
    }
}
