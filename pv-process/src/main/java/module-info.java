/**
 * pv-process: guests in their own processes. Sealed {@code memfd} guest memory the guest cannot shrink,
 * descriptor passing over Unix sockets, the per-vCPU hypercall mailbox ABI, and sessions that notice a
 * guest's death. Calls restricted FFM methods (libc downcalls): run with
 * {@code --enable-native-access=io.pvkit.process} to silence the JVM's warning.
 */
module io.pvkit.process {
    requires transitive io.pvkit.abi;

    exports io.pvkit.process;
}
