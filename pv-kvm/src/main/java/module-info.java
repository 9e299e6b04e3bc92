/**
 * pv-kvm: runs guest machine code under Linux KVM through {@code java.lang.foreign} (no JNI) and hands
 * every Xen hypercall to a pv-abi {@code HypercallHandler}. Calls restricted FFM methods: run with
 * {@code --enable-native-access=io.pvkit.kvm}.
 */
module io.pvkit.kvm {
    requires transitive io.pvkit.abi;

    exports io.pvkit.kvm;
}
