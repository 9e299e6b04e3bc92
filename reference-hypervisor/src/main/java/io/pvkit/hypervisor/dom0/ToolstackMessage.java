package io.pvkit.hypervisor.dom0;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * What the toolstack tells domain 0 outside hypercalls (in Xen, through xenstore watches and the
 * console's pty).
 */
public sealed interface ToolstackMessage {
    /**
     * A new guest ({@code @introduceDomain}): what domain 0 needs to serve it.
     *
     * @param domid the guest
     * @param name its name (prefixes its console lines and names its log)
     * @param consoleRef the grant reference of its console page ({@code GNTTAB_RESERVED_CONSOLE})
     * @param consolePort its unbound console port whose remote is domain 0
     * @param echoPort its unbound echo port whose remote is domain 0
     * @param done completed (true when every service connected) once domain 0 processed the message
     * @param storePort its unbound xenstore port whose remote is domain 0 (xenstored maps the page through
     *     {@code GNTTAB_RESERVED_XENSTORE}), or -1 for no xenstore connection
     */
    record Introduce(int domid, String name, int consoleRef, int consolePort, int echoPort,
                     CompletableFuture<Boolean> done, int storePort) implements ToolstackMessage {
        /**
         * Validates the message.
         *
         * @param domid the guest
         * @param name its name
         * @param consoleRef the console grant reference
         * @param consolePort the console port
         * @param echoPort the echo port
         * @param done the completion
         * @param storePort the xenstore port, or -1
         */
        public Introduce {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(done, "done");
        }

        /**
         * A guest without a xenstore connection (the form before xenstored existed).
         *
         * @param domid the guest
         * @param name its name
         * @param consoleRef the console grant reference
         * @param consolePort the console port
         * @param echoPort the echo port
         * @param done the completion
         */
        public Introduce(int domid, String name, int consoleRef, int consolePort, int echoPort,
                         CompletableFuture<Boolean> done) {
            this(domid, name, consoleRef, consolePort, echoPort, done, -1);
        }
    }

    /**
     * A guest is going away ({@code @releaseDomain}): drain what is left, unmap, close the ports.
     *
     * @param domid the guest
     * @param done completed once domain 0 let go of everything of the guest
     */
    record Release(int domid, CompletableFuture<Boolean> done) implements ToolstackMessage {
        /**
         * Validates the message.
         *
         * @param domid the guest
         * @param done the completion
         */
        public Release {
            Objects.requireNonNull(done, "done");
        }
    }

    /**
     * Input for a guest's console (what a user types into {@code xl console}).
     *
     * @param domid the guest
     * @param bytes the input
     */
    record ConsoleInput(int domid, byte[] bytes) implements ToolstackMessage {
        /**
         * Copies the input.
         *
         * @param domid the guest
         * @param bytes the input
         */
        public ConsoleInput {
            bytes = bytes.clone();
        }
    }
}
