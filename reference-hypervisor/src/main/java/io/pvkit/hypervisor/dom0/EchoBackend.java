package io.pvkit.hypervisor.dom0;

import io.pvkit.abi.XenErrno;
import io.pvkit.abi.xenstore.XenbusState;
import io.pvkit.events.UpcallDemultiplexer;
import io.pvkit.hypervisor.dom0.xenstore.LocalConnection;
import io.pvkit.hypervisor.dom0.xenstore.XenstoreException;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntConsumer;
import java.util.function.Consumer;

/**
 * The backend side of the {@code pvkit-echo} xenbus device (Linux's backend shape, on domain 0's in-process
 * xenstore connection): watches {@code backend/pvkit-echo}; for each {@code <domid>/<devid>} found, switches
 * to InitWait and watches the frontend's {@code state}; when the frontend is Initialised or Connected, reads
 * its {@code event-channel}, binds it and switches to Connected, then answers each notification with one back;
 * follows the frontend's Closing to Closing and its Closed to Closed (unbinding the port).
 *
 * <p>Trust: everything under the frontend directory is guest-written: the state is parsed with
 * {@link XenbusState#parse} (anything else is ignored), the port as a bounded decimal; a bad value moves the
 * device to Closed instead of failing domain 0.
 */
final class EchoBackend {
    static final String BACKEND_DIR = "/local/domain/0/backend/pvkit-echo";
    private static final String TOKEN = "pvkit-echo";

    private final LocalConnection xs;
    private final Dom0Calls calls;
    private final UpcallDemultiplexer demux;
    private final IntConsumer clearPending;
    private final Consumer<String> say;
    private final Map<String, Device> devices = new HashMap<>();

    /** One device: its backend path, frontend path, bound port. */
    private static final class Device {
        final int domid;
        final String backend;
        String frontend;
        int port = -1;
        XenbusState state = XenbusState.UNKNOWN;

        Device(int domid, String backend) {
            this.domid = domid;
            this.backend = backend;
        }
    }

    EchoBackend(LocalConnection xs, Dom0Calls calls, UpcallDemultiplexer demux, IntConsumer clearPending,
                Consumer<String> say) {
        this.xs = xs;
        this.calls = calls;
        this.demux = demux;
        this.clearPending = clearPending;
        this.say = say;
    }

    void start() {
        xs.watch(BACKEND_DIR, TOKEN);
    }

    /** Handles one watch event of the local connection. */
    void onEvent(LocalConnection.WatchEvent e) {
        if (e.token().equals(TOKEN)) {
            scan();
        } else if (e.token().startsWith("fe:")) {
            Device d = devices.get(e.token().substring(3));
            if (d != null) {
                frontendChanged(d);
            }
        }
    }

    /** Drops a destroyed guest's devices: unbind, remove the backend directory. */
    void release(int domid) {
        devices.values().removeIf(d -> {
            if (d.domid != domid) {
                return false;
            }
            unbind(d);
            ignore(() -> xs.unwatch(d.frontend + "/state", "fe:" + d.backend));
            return true;
        });
        ignore(() -> xs.rm(0, BACKEND_DIR + "/" + domid));
    }

    int connectedDevices() {
        int n = 0;
        for (Device d : devices.values()) {
            n += d.state == XenbusState.CONNECTED ? 1 : 0;
        }
        return n;
    }

    private void scan() {
        for (String dom : xs.directory(BACKEND_DIR)) {
            for (String dev : xs.directory(BACKEND_DIR + "/" + dom)) {
                String backend = BACKEND_DIR + "/" + dom + "/" + dev;
                if (!devices.containsKey(backend)) {
                    Optional<Device> d = probe(dom, backend);
                    d.ifPresent(x -> devices.put(backend, x));
                }
            }
        }
    }

    private Optional<Device> probe(String dom, String backend) {
        int domid;
        try {
            domid = Integer.parseInt(dom);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        String frontend = xs.read(backend + "/frontend");
        if (frontend == null || !frontend.startsWith("/local/domain/" + domid + "/device/pvkit-echo/")) {
            return Optional.empty(); // not (yet) a device the toolstack finished writing
        }
        Device d = new Device(domid, backend);
        d.frontend = frontend;
        switchState(d, XenbusState.INIT_WAIT);
        xs.watch(frontend + "/state", "fe:" + backend); // fires at once: the frontend may be ahead of us
        return Optional.of(d);
    }

    private void frontendChanged(Device d) {
        // UNTRUSTED: guest-written; parsed from this one read
        Optional<XenbusState> fe = XenbusState.parse(xs.read(d.frontend + "/state"));
        if (fe.isEmpty()) {
            return;
        }
        switch (fe.get()) {
            case INITIALISED, CONNECTED -> {
                if (d.state == XenbusState.INIT_WAIT) {
                    connect(d);
                }
            }
            case CLOSING -> {
                unbind(d);
                switchState(d, XenbusState.CLOSING);
            }
            case CLOSED, UNKNOWN -> {
                unbind(d);
                if (d.state != XenbusState.CLOSED && d.state != XenbusState.UNKNOWN) {
                    switchState(d, XenbusState.CLOSED);
                }
            }
            default -> { }
        }
    }

    private void connect(Device d) {
        // UNTRUSTED: guest-written decimal port
        String text = xs.read(d.frontend + "/event-channel");
        int remote = parsePort(text);
        if (remote <= 0) {
            say.accept("pvkit-echo: " + d.frontend + " has a bad event-channel '" + text + "'");
            switchState(d, XenbusState.CLOSED);
            return;
        }
        long local = calls.bindInterdomain(d.domid, remote);
        if (local <= 0) {
            say.accept("pvkit-echo: cannot bind port " + remote + " of domain " + d.domid + ": " + XenErrno.describe(local));
            switchState(d, XenbusState.CLOSED);
            return;
        }
        d.port = (int) local;
        clearPending.accept(d.port); // the bind marks it pending; that is no ping
        demux.register(d.port, p -> calls.send(p));
        demux.unmask(d.port);
        switchState(d, XenbusState.CONNECTED);
    }

    private void unbind(Device d) {
        if (d.port > 0) {
            demux.unregister(d.port);
            calls.close(d.port);
            d.port = -1;
        }
    }

    private void switchState(Device d, XenbusState s) {
        d.state = s;
        ignore(() -> xs.write(0, d.backend + "/state", Integer.toString(s.code())));
    }

    static int parsePort(String text) {
        if (text == null || text.isEmpty() || text.length() > 6) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static void ignore(Runnable r) {
        try {
            r.run();
        } catch (XenstoreException e) {
            // the node went away meanwhile (the guest or the toolstack removed it)
        }
    }

    List<String> devicePaths() {
        return List.copyOf(devices.keySet());
    }
}
