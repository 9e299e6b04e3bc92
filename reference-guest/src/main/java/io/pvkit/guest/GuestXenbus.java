package io.pvkit.guest;

import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.EvtchnStatus;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.xenbus.EventDispatch;
import io.pvkit.xenbus.FrontendDevice;
import io.pvkit.xenbus.XenbusClient;
import io.pvkit.xenbus.XenbusKeys;
import io.pvkit.xenbus.XenstoreErrorException;

import java.time.Duration;

/**
 * The guest's xenstore connection and its echo device, over pv-xenbus: the client runs on the xenstore
 * ring page ({@code HVM_PARAM_STORE_PFN}) and notifies xenstored on the store event channel
 * ({@code HVM_PARAM_STORE_EVTCHN}); while it waits for a reply the vCPU blocks ({@code SCHEDOP_block}) until
 * the store port (or any port) fires. Watch listeners run on the vCPU thread
 * ({@link EventDispatch#CALLER}), inside the handshake's waits and {@link #backendClosedEcho()}.
 *
 * <p>The echo device is {@code <home>/device/pvkit-echo/0} (the contract of issue 11): its frontend
 * allocates an unbound port for the backend's domain, publishes it as {@code event-channel} with state
 * Initialised in one transaction, waits for the backend's Connected and goes Connected; at shutdown it
 * goes Closing, then Closed.
 */
final class GuestXenbus {
    /** The echo device's type in xenstore. */
    static final String ECHO_DEVICE = "pvkit-echo";

    private final XenbusClient client;
    private final String home;
    private FrontendDevice echo;
    private int echoPort;

    private GuestXenbus(XenbusClient client, String home) {
        this.client = client;
        this.home = home;
    }

    /**
     * Connects to xenstore, or returns null when no xenstored bound the store port within
     * {@link GuestOptions#xenstoreTimeout()}.
     */
    static GuestXenbus connect(StartInfo si, GuestMemory memory, int domid, EventLoop events, GuestOptions options)
            throws BootException {
        int storePort = si.storeEvtchn();
        long deadline = System.nanoTime() + options.xenstoreTimeout().toNanos();
        EvtchnStatus status;
        while ((status = events.status(storePort)) == EvtchnStatus.UNBOUND) {
            if (System.nanoTime() - deadline >= 0) {
                return null;
            }
            events.pause();
        }
        if (status != EvtchnStatus.INTERDOMAIN) {
            throw new BootException("xenstore: store port " + storePort + " is " + status + ", not an interdomain channel");
        }
        // the store port's events only wake the vCPU: the client re-reads the ring after each wait
        events.bind(storePort, port -> { });
        XenbusClient client = XenbusClient.overRing(GuestMemory.wrap(memory.frame(si.storeGfn())),
                () -> events.send(storePort), until -> events.awaitEvents(),
                new XenbusClient.Options(options.connectTimeout(), EventDispatch.CALLER, 64));
        String home;
        try {
            home = client.getDomainPath(domid);
        } catch (XenstoreErrorException e) {
            home = XenbusKeys.home(domid);   // a xenstored without GET_DOMAIN_PATH: Xen's layout
        }
        return new GuestXenbus(client, home);
    }

    XenbusClient client() {
        return client;
    }

    String home() {
        return home;
    }

    /** The echo frontend's directory. */
    String echoPath() {
        return home + "/device/" + ECHO_DEVICE + "/0";
    }

    /**
     * Walks the echo device's frontend handshake.
     *
     * @return the port connected to the backend, or 0 when the device directory does not exist
     */
    int connectEcho(PlatformCalls calls, GuestStats stats, Duration timeout) throws BootException {
        String front = echoPath();
        if (client.tryRead(front + "/" + XenbusKeys.BACKEND).isEmpty()) {
            return 0;
        }
        FrontendDevice dev = FrontendDevice.open(client, front);
        dev.onStateChange(stats::echoDeviceState);
        long port = calls.hypercalls().allocUnbound(dev.backendId());
        if (port < 0) {
            throw new BootException("xenbus: EVTCHNOP_alloc_unbound(remote " + dev.backendId() + ") for " + front
                    + " failed: " + XenErrno.describe(port), new HypercallException("EVTCHNOP_alloc_unbound", port));
        }
        // allocated once, outside the transaction, which may run more than once
        dev.connect(timeout, tx -> tx.write(dev.key(XenbusKeys.EVENT_CHANNEL), Long.toString(port)));
        echo = dev;
        echoPort = (int) port;
        return echoPort;
    }

    FrontendDevice echo() {
        return echo;
    }

    int echoPort() {
        return echoPort;
    }

    /** Reads what xenstored sent without waiting, runs the listeners, and says whether the backend closed the echo device. */
    boolean backendClosedEcho() {
        if (echo == null) {
            return false;
        }
        client.awaitEvents(Duration.ZERO);
        return echo.closedByBackend();
    }

    /** Closing -> Closed; true when the backend reached Closed too. */
    boolean disconnectEcho(Duration timeout) {
        if (echo == null) {
            return true;
        }
        boolean reached = echo.disconnect(timeout);
        echo.close();
        return reached;
    }
}
