/**
 * What a platform supplies to the xenstore client: a byte-stream {@link io.pvkit.xenbus.spi.XsTransport}
 * (pv-xenbus has two, the ring page and a Unix domain socket) and, for the ring, a
 * {@link io.pvkit.xenbus.spi.StoreWaiter} that sleeps until xenstored may have notified the store event
 * channel. Notifying xenstored is pv-rings' {@link io.pvkit.rings.spi.Notifier} (a guest sends on its store
 * port with {@code EVTCHNOP_send}).
 */
package io.pvkit.xenbus.spi;
