package io.pvkit.abi.platform;

/**
 * HVM parameters ({@code HVM_PARAM_*} in {@code xen/hvm/params.h}) used by pvkit: the {@code index} of
 * {@link XenHvmParamLayout}. An HVM/PVH guest finds its xenstore and console rings here.
 */
public final class HvmParam {
    /** {@code HVM_PARAM_CALLBACK_IRQ}: how events are delivered; type in bits 56-63. */
    public static final int CALLBACK_IRQ = 0;
    /** {@code HVM_PARAM_STORE_PFN}: frame of the xenstore ring. */
    public static final int STORE_PFN = 1;
    /** {@code HVM_PARAM_STORE_EVTCHN}: event channel of the xenstore ring. */
    public static final int STORE_EVTCHN = 2;
    /** {@code HVM_PARAM_CONSOLE_PFN}: frame of the console ring. */
    public static final int CONSOLE_PFN = 17;
    /** {@code HVM_PARAM_CONSOLE_EVTCHN}: event channel of the console ring. */
    public static final int CONSOLE_EVTCHN = 18;
    /** {@code HVM_PARAM_CALLBACK_TYPE_GSI}: callback via a GSI. */
    public static final int CALLBACK_TYPE_GSI = 0;
    /** {@code HVM_PARAM_CALLBACK_TYPE_PCI_INTX}: callback via a PCI INTx line. */
    public static final int CALLBACK_TYPE_PCI_INTX = 1;
    /** {@code HVM_PARAM_CALLBACK_TYPE_VECTOR}: callback via an x86 vector. */
    public static final int CALLBACK_TYPE_VECTOR = 2;
    /** Bit position of the callback type in the {@code CALLBACK_IRQ} value. */
    public static final int CALLBACK_TYPE_SHIFT = 56;

    private HvmParam() {
    }
}
