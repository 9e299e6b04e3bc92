package io.pvkit.hypervisor;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.xenstore.XenstoreUnderTest;
import io.pvkit.conformance.xenstore.XenstoreVerification;
import io.pvkit.abi.xenstore.XsError;
import io.pvkit.hypervisor.dom0.xenstore.DomainLinks;
import io.pvkit.hypervisor.dom0.xenstore.RingConnection;
import io.pvkit.hypervisor.dom0.xenstore.XenstoreLimits;
import io.pvkit.hypervisor.dom0.xenstore.XenstoreSocketServer;
import io.pvkit.hypervisor.dom0.xenstore.Xenstored;
import io.pvkit.rings.ByteStreamLayout;
import io.pvkit.rings.ByteStreamReader;
import io.pvkit.rings.ByteStreamWriter;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * pvkit's xenstored (domain 0's service) against the kit's xenstore rules, a fresh daemon per check, exactly
 * as a third party runs {@link XenstoreVerification} against its own: dom0 connections over its Unix socket,
 * and guest connections over a real {@code xenstore_domain_interface} page that the daemon serves as it
 * serves a guest's ring (the kit speaks xs_wire into the page's request ring and reads the response ring,
 * as a guest kernel does), so the domain-level rules (isolation, watch filtering, special watches) run too.
 */
class ReferenceXenstoredConformanceTest extends XenstoreVerification {
    @Override
    protected XenstoreUnderTest createXenstore() throws Exception {
        Path dir = Files.createTempDirectory("pvkit-xsd");
        Path socket = dir.resolve("socket");
        Xenstored daemon = new Xenstored(XenstoreLimits.defaults());
        // domain 0's side of XS_RELEASE, as Domain0 does it: let go of the guest's ring (the kit introduces
        // guests itself through connectAsDomain, so XS_INTRODUCE has nothing to map here)
        daemon.links(new DomainLinks() {
            @Override
            public XsError introduce(int domid, long storeGfn, int port) {
                return XsError.ENOSYS;
            }

            @Override
            public XsError release(int domid) {
                daemon.releaseDomain(domid, false);
                return null;
            }
        });
        XenstoreSocketServer server = daemon.listen(socket);
        List<GuestRing> rings = new ArrayList<>();
        return new XenstoreUnderTest() {
            @Override
            public Path socketPath() {
                return socket;
            }

            @Override
            public boolean supportsDomainConnections() {
                return true;
            }

            @Override
            public ByteChannel connectAsDomain(int domid) {
                GuestRing ring = new GuestRing(daemon, domid);
                synchronized (rings) {
                    rings.add(ring);
                }
                return ring;
            }

            @Override
            public void close() throws IOException {
                synchronized (rings) {
                    for (GuestRing r : rings) {
                        r.close();
                    }
                }
                server.close();
                Files.deleteIfExists(socket);
                Files.deleteIfExists(dir);
            }
        };
    }

    /**
     * A guest's side of its xenstore page: the kit's bytes go into the request ring, replies come out of the
     * response ring; a daemon-side thread services the connection the way domain 0's ring service does.
     */
    private static final class GuestRing implements ByteChannel {
        private static final long IDLE_NANOS = 50_000;
        private final Xenstored daemon;
        private final int domid;
        private final Arena arena = Arena.ofShared();
        private final ByteStreamWriter requests;
        private final ByteStreamReader responses;
        private final Thread service;
        private volatile boolean open = true;

        GuestRing(Xenstored daemon, int domid) {
            this.daemon = daemon;
            this.domid = domid;
            MemorySegment page = arena.allocate(GuestMemory.PAGE_SIZE, GuestMemory.PAGE_SIZE);
            GuestMemory guestView = GuestMemory.wrap(page);
            this.requests = ByteStreamWriter.attach(guestView, ByteStreamLayout.XENSTORE_REQUEST);
            this.responses = ByteStreamReader.attach(guestView, ByteStreamLayout.XENSTORE_RESPONSE);
            RingConnection connection = daemon.attachRing(domid, page, () -> { });
            this.service = Thread.ofPlatform().daemon().name("xenstore-ring-" + domid).start(() -> {
                while (open && daemon.isIntroduced(domid)) {
                    if (!connection.service() && !connection.outputWaiting()) {
                        LockSupport.parkNanos(IDLE_NANOS);
                    }
                }
            });
            connection.onOutput(() -> LockSupport.unpark(service));
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            byte[] bytes = new byte[src.remaining()];
            src.get(bytes);
            MemorySegment from = MemorySegment.ofArray(bytes);
            int done = 0;
            while (done < bytes.length) {
                if (!isOpen()) {
                    throw new ClosedChannelException();
                }
                int n = requests.write(from, done, bytes.length - done);
                done += n;
                LockSupport.unpark(service);
                if (n == 0) {
                    LockSupport.parkNanos(IDLE_NANOS);
                }
            }
            return done;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            byte[] bytes = new byte[Math.min(dst.remaining(), 1024)];
            MemorySegment to = MemorySegment.ofArray(bytes);
            while (true) {
                int n = responses.read(to, 0, bytes.length);
                if (n > 0) {
                    dst.put(bytes, 0, n);
                    return n;
                }
                if (!isOpen()) {
                    return -1; // released (XS_RELEASE) or closed by the kit
                }
                LockSupport.parkNanos(IDLE_NANOS);
            }
        }

        @Override
        public boolean isOpen() {
            return open && daemon.isIntroduced(domid);
        }

        @Override
        public void close() {
            if (!open) {
                return;
            }
            open = false;
            LockSupport.unpark(service);
            try {
                service.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            daemon.releaseDomain(domid, false);
            arena.close();
        }
    }
}
