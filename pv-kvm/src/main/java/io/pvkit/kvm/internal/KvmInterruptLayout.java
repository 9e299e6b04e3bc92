package io.pvkit.kvm.internal;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code struct kvm_interrupt} (4 bytes) from Linux {@code linux/kvm.h}: argument [IN] of
 * {@code KVM_INTERRUPT}, the external interrupt vector to inject (no in-kernel irqchip).
 *
 * <pre>
 *     0  irq  u32   the vector
 * </pre>
 */
public final class KvmInterruptLayout {
    /** {@code struct kvm_interrupt}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(JAVA_INT.withName("irq"))
            .withName("kvm_interrupt");

    /** Offset of {@code irq}. */
    public static final long IRQ_OFFSET = LAYOUT.byteOffset(groupElement("irq"));

    private KvmInterruptLayout() {
    }
}
