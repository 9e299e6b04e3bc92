package io.pvkit.cli.kit;

import io.pvkit.conformance.blk.BlockBackendUnderTest;
import io.pvkit.conformance.blk.BlockCapability;
import io.pvkit.conformance.blk.BlockDeviceSession;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import io.pvkit.xenbus.XenbusClient;
import io.pvkit.xenbus.XenbusException;
import io.pvkit.xenbus.XsPermission;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The kit's block porting SPI over domain 0's block backend in the reference hypervisor, driven exactly as a
 * toolstack and a frontend drive it: this class is a xenstore client on xenstored's tools socket (pv-xenbus over
 * the Unix domain socket, as {@code xl} would be), writes the vbd directories libxl writes, writes the kit
 * frontend's keys and states under {@code device/vbd/<devid>}, and watches the backend's {@code state} by reading
 * it. Nothing of the backend is called directly: what passes here passes for a backend reached only through
 * xenstore, grants and event channels.
 */
public final class ReferenceBlockBackend implements BlockBackendUnderTest {

    /** How long the backend may take to reach a state. */
    static final Duration STATE_WAIT = Duration.ofSeconds(10);

    private final ReferenceHypervisorPort port;
    private final XenbusClient xs;
    private final Map<Integer, Integer> devicesPerDomain = new HashMap<>();
    private final List<Session> open = new java.util.ArrayList<>();

    /** Starts a reference hypervisor (dom0, xenstored, blkback) and connects to its xenstore socket. */
    public ReferenceBlockBackend() {
        this.port = new ReferenceHypervisorPort();
        try {
            this.xs = XenbusClient.overSocket(port.hypervisor().xenstoreSocket());
        } catch (IOException e) {
            port.close();
            throw new UncheckedIOException("cannot reach xenstored's socket", e);
        }
    }

    @Override
    public HypervisorUnderTest hypervisor() {
        return port;
    }

    @Override
    public Set<BlockCapability> capabilities() {
        return EnumSet.of(BlockCapability.LIVE_MAPPING_COUNT);
    }

    @Override
    public long liveMappings() {
        return port.hypervisor().counts().blockGrantMappings();
    }

    @Override
    public BlockDeviceSession open(DomainUnderTest frontend, Path image, boolean readOnly) {
        int domid = frontend.domid();
        int index = devicesPerDomain.merge(domid, 1, Integer::sum) - 1;
        int devid = (202 << 8) | (index << 4);
        String fe = "/local/domain/" + domid + "/device/vbd/" + devid;
        String be = "/local/domain/0/backend/vbd/" + domid + "/" + devid;
        xs.transaction(tx -> {
            tx.write(be + "/frontend", fe);
            tx.write(be + "/frontend-id", Integer.toString(domid));
            tx.write(be + "/params", image.toAbsolutePath().toString());
            tx.write(be + "/mode", readOnly ? "r" : "w");
            tx.write(be + "/online", "1");
            tx.write(be + "/type", "file");
            tx.write(be + "/dev", "xvd" + (char) ('a' + index));
            tx.write(be + "/state", "1");
            tx.setPerms(be, List.of(new XsPermission(XsPermission.Access.NONE, 0),
                    new XsPermission(XsPermission.Access.READ, domid)));
            tx.write(fe + "/backend", be);
            tx.write(fe + "/backend-id", "0");
            tx.write(fe + "/virtual-device", Integer.toString(devid));
            tx.write(fe + "/device-type", "disk");
            tx.write(fe + "/state", "1");
            tx.setPerms(fe, List.of(new XsPermission(XsPermission.Access.NONE, domid),
                    new XsPermission(XsPermission.Access.READ, 0)));
            return null;
        });
        String state = awaitState(be, "2", "4", "6");
        if (!state.equals("2")) {
            throw new IllegalStateException("blkback did not reach InitWait for " + be + ": state " + state + ", error "
                    + xs.tryRead(be + "/error").orElse("(none)"));
        }
        Session s = new Session(fe, be);
        open.add(s);
        return s;
    }

    private Map<String, String> nodes(String dir) {
        Map<String, String> all = new HashMap<>();
        collect(dir, "", all, 0);
        return all;
    }

    private void collect(String dir, String prefix, Map<String, String> into, int depth) {
        for (String child : xs.directory(dir)) {
            String path = dir + "/" + child;
            String key = prefix.isEmpty() ? child : prefix + "/" + child;
            xs.tryRead(path).filter(v -> !v.isEmpty()).ifPresent(v -> into.put(key, v));
            if (depth < 2) {
                collect(path, key, into, depth + 1);
            }
        }
    }

    /** Polls a node until it holds one of the wanted values (bounded). */
    private String awaitState(String dir, String... wanted) {
        long until = System.nanoTime() + STATE_WAIT.toNanos();
        String now = null;
        while (System.nanoTime() - until < 0) {
            now = xs.tryRead(dir + "/state").orElse(null);
            for (String w : wanted) {
                if (w.equals(now)) {
                    return now;
                }
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return now == null ? "(none)" : now;
    }

    @Override
    public void close() {
        try {
            for (Session s : List.copyOf(open)) {
                s.close();
            }
            xs.close();
        } finally {
            port.close();
        }
    }

    /** One vbd device: its frontend and backend directories. */
    private final class Session implements BlockDeviceSession {
        private final String fe;
        private final String be;
        private boolean closed;

        Session(String fe, String be) {
            this.fe = fe;
            this.be = be;
        }

        @Override
        public int backendDomid() {
            return 0;
        }

        @Override
        public Map<String, String> backendKeys() {
            return nodes(be);
        }

        @Override
        public ConnectResult connect(Map<String, String> frontendKeys) {
            xs.transaction(tx -> {
                for (Map.Entry<String, String> e : frontendKeys.entrySet()) {
                    tx.write(fe + "/" + e.getKey(), e.getValue());
                }
                tx.write(fe + "/state", "3");
                return null;
            });
            String state = awaitState(be, "4", "5", "6");
            Map<String, String> keys = nodes(be);
            if (state.equals("4")) {
                return ConnectResult.connected(keys);
            }
            Optional<String> error = xs.tryRead(be + "/error");
            return ConnectResult.closed(error.orElse("backend state " + state + " without an error node"), keys);
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            open.remove(this);
            if (xs.tryRead(be + "/state").isPresent()) {
                xs.write(fe + "/state", "5");
                awaitState(be, "5", "6");
                xs.write(fe + "/state", "6");
                awaitState(be, "6");
            } // else: the frontend's domain was destroyed and the toolstack already removed the device
            rmIfPresent(fe);
            rmIfPresent(be);
        }

        private void rmIfPresent(String path) {
            try {
                xs.rm(path);
            } catch (XenbusException e) {
                // ENOENT: already gone with its domain
            }
        }
    }
}
