/**
 * pv-xenbus: a xenstore client and the xenbus device state machine.
 *
 * <p><b>Client.</b> {@link io.pvkit.xenbus.XenbusClient} speaks {@code xs_wire} ({@code xsd_sockmsg}
 * header, payload at most 4096 bytes, {@code XS_ERROR} replies carrying Xen's error names, watch events
 * {@code "path\0token\0"}) over a transport: the guest's xenstore ring page
 * ({@link io.pvkit.xenbus.RingTransport}, pv-rings' byte-stream rings, an event channel to notify and a
 * waiter to sleep) or xenstored's Unix domain socket ({@link io.pvkit.xenbus.SocketTransport}).
 *
 * <p><b>Threading.</b> Requests from any number of threads are in flight at once, matched to replies by
 * {@code req_id}; the thread that holds the read lock reads and routes replies for everybody. Watch
 * listeners run on the caller's loop or on a dedicated thread ({@link io.pvkit.xenbus.EventDispatch}),
 * one at a time, in arrival order.
 *
 * <p><b>Trust.</b> xenstored is a peer. Ring indices are validated by pv-rings; every frame is copied
 * into a private buffer once, its header validated before its payload is awaited (length, known type,
 * outstanding {@code req_id}, matching type), and every payload parsed for its request type
 * (NUL-terminated strings, {@code "OK\0"}, decimal ids). A violation breaks the client, never the caller's
 * memory: the work a server can cause is bounded by the 4096-byte payload and a bounded event queue.
 *
 * <p><b>Xenbus.</b> {@link io.pvkit.xenbus.XenbusDevice} and its two ends,
 * {@link io.pvkit.xenbus.FrontendDevice} and {@link io.pvkit.xenbus.BackendDevice}, walk Linux's
 * handshake ({@code Initialising -> InitWait -> Initialised -> Connected -> Closing -> Closed}) with the
 * keys of {@link io.pvkit.xenbus.XenbusKeys}.
 *
 * <p>Non-goals: {@code XS_DIRECTORY_PART}, {@code XS_CONTROL}, {@code XS_RESET_WATCHES}, the ring page's
 * reconnection protocol ({@code connection}/{@code server_features}).
 */
package io.pvkit.xenbus;
