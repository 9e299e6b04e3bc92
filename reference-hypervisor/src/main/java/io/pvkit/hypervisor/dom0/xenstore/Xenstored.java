package io.pvkit.hypervisor.dom0.xenstore;

import io.pvkit.abi.xenstore.XsError;
import io.pvkit.abi.xenstore.XsdSockmsgType;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Domain 0's xenstore daemon: the tree, its permissions, transactions and watches, served to guests over
 * their xenstore rings ({@link RingConnection}), to tools over a Unix domain socket
 * ({@link XenstoreSocketServer}) and to domain 0's own services in process ({@link LocalConnection}).
 *
 * <p>Threading: requests of every connection run one at a time on this object's lock (the tree is small
 * and the operations are short; C xenstored is single-threaded too). Watch events are queued to their
 * connection's output under the lock and drained by its transport. {@code XS_INTRODUCE}/{@code XS_RELEASE}
 * run outside the lock because they wait for domain 0's hypercalls ({@link DomainLinks}).
 *
 * <p>Trust: every guest request is a private copy validated before use (see {@link RequestHandler});
 * per-domain quotas ({@link XenstoreLimits}) bound what one guest can make xenstored hold.
 */
public final class Xenstored {
    private final Object lock = new Object();
    private final XenstoreLimits limits;
    private final NodeStore store = new NodeStore();
    private final Map<String, Perms> special = new HashMap<>();
    private final List<Connection> connections = new ArrayList<>();
    private final Map<Integer, RingConnection> rings = new HashMap<>();
    private final Set<Integer> introduced = new HashSet<>();
    private final RequestHandler handler = new RequestHandler(this);
    private volatile DomainLinks links = DomainLinks.NONE;

    /**
     * An empty store: only {@code /}, owned by domain 0 with no access for others.
     *
     * @param limits the limits
     */
    public Xenstored(XenstoreLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
        special.put(XsPath.INTRODUCE_DOMAIN, Perms.DOM0_ONLY);
        special.put(XsPath.RELEASE_DOMAIN, Perms.DOM0_ONLY);
        introduced.add(0);
    }

    /**
     * Sets who maps and binds guests' rings for {@code XS_INTRODUCE}/{@code XS_RELEASE}.
     *
     * @param links domain 0's side
     */
    public void links(DomainLinks links) {
        this.links = Objects.requireNonNull(links, "links");
    }

    /**
     * The limits.
     *
     * @return the limits
     */
    public XenstoreLimits limits() {
        return limits;
    }

    /**
     * Serves the protocol on a Unix domain socket; every connection acts as domain 0 (privileged).
     *
     * @param socket the socket's path (an existing socket file there is replaced)
     * @return the running server; close it to stop
     * @throws IOException when the socket cannot be bound
     */
    public XenstoreSocketServer listen(Path socket) throws IOException {
        return XenstoreSocketServer.start(this, socket);
    }

    /**
     * An in-process privileged connection for domain 0's own services.
     *
     * @param wake called (from any thread) when a watch event was queued to it
     * @return the connection
     */
    public LocalConnection connectLocal(Runnable wake) {
        LocalConnection c = new LocalConnection(this, wake);
        register(c);
        return c;
    }

    /**
     * Connects a guest's mapped xenstore page (domain 0's side of {@code XS_INTRODUCE}) and fires
     * {@code @introduceDomain}. The caller serves the connection on its own thread.
     *
     * @param domid the guest
     * @param page the mapped {@code xenstore_domain_interface} page (guest-writable)
     * @param notify sends an event to the guest's store port
     * @return the connection
     * @throws IllegalStateException when the domain already has a ring
     */
    public RingConnection attachRing(int domid, MemorySegment page, Runnable notify) {
        RingConnection c = new RingConnection(this, domid, page, notify);
        synchronized (lock) {
            if (rings.containsKey(domid)) {
                throw new IllegalStateException("domain " + domid + " already has a ring");
            }
            rings.put(domid, c);
            connections.add(c);
            introduced.add(domid);
            fireSpecial(XsPath.INTRODUCE_DOMAIN);
        }
        return c;
    }

    /**
     * Forgets a guest (domain 0's side of {@code XS_RELEASE} and of domain destruction): closes its ring
     * connection with its watches and transactions, optionally removes its home {@code /local/domain/<id>},
     * and fires {@code @releaseDomain}.
     *
     * @param domid the guest
     * @param removeHome whether to remove its home subtree (domain destruction)
     * @return its ring connection, now closed, for the caller to unmap; empty when it had none
     */
    public Optional<RingConnection> releaseDomain(int domid, boolean removeHome) {
        synchronized (lock) {
            RingConnection c = rings.remove(domid);
            if (c != null) {
                close(c);
            }
            introduced.remove(domid);
            if (removeHome && store.get(XsPath.home(domid)) != null) {
                new TreeOps(store, new Caller(0, true), limits).rm(XsPath.home(domid));
                fireChanges();
            }
            fireSpecial(XsPath.RELEASE_DOMAIN);
            return Optional.ofNullable(c);
        }
    }

    /**
     * Whether the domain was introduced (domain 0 always is).
     *
     * @param domid the domain
     * @return true when it has a live ring connection, or is domain 0
     */
    public boolean isIntroduced(int domid) {
        synchronized (lock) {
            return introduced.contains(domid);
        }
    }

    /**
     * Nodes in the tree (the root included).
     *
     * @return the count
     */
    public int nodeCount() {
        synchronized (lock) {
            return store.size();
        }
    }

    /**
     * Nodes owned by a domain (its quota use).
     *
     * @param domid the domain
     * @return the count
     */
    public int nodesOwnedBy(int domid) {
        synchronized (lock) {
            return store.ownedBy(domid);
        }
    }

    // ------------------------------------------------------------------------- package side

    NodeStore store() {
        return store;
    }

    void register(Connection c) {
        synchronized (lock) {
            connections.add(c);
        }
    }

    void close(Connection c) {
        synchronized (lock) {
            c.closed = true;
            c.watches.clear();
            c.transactions.clear();
            connections.remove(c);
        }
    }

    /** Runs one request (a private, length-checked copy) and queues its reply. */
    void handle(Connection c, XsMessage m) {
        Optional<XsdSockmsgType> type = XsdSockmsgType.of(Integer.toUnsignedLong(m.type()));
        if (type.isPresent() && (type.get() == XsdSockmsgType.INTRODUCE || type.get() == XsdSockmsgType.RELEASE)) {
            domainOp(c, m, type.get());
            return;
        }
        synchronized (lock) {
            if (c.closed) {
                return;
            }
            try {
                if (type.isEmpty()) {
                    throw new XenstoreException(XsError.ENOSYS);
                }
                handler.handle(c, m, type.get());
            } catch (XenstoreException e) {
                c.error(m.reqId(), m.txId(), e.error());
            } finally {
                fireChanges();
            }
        }
    }

    private void domainOp(Connection c, XsMessage m, XsdSockmsgType type) {
        XsError error;
        try {
            if (!c.caller.privileged()) {
                throw new XenstoreException(XsError.EACCES);
            }
            if (type == XsdSockmsgType.INTRODUCE) {
                List<String> args = RequestHandler.strings(m.payload());
                if (args.size() != 3) {
                    throw new XenstoreException(XsError.EINVAL);
                }
                int domid = RequestHandler.domid(args.get(0));
                long gfn = RequestHandler.number(args.get(1), Long.MAX_VALUE / 10);
                int port = (int) RequestHandler.number(args.get(2), Integer.MAX_VALUE);
                if (domid == 0) {
                    throw new XenstoreException(XsError.EINVAL);
                }
                error = isIntroduced(domid) ? null : links.introduce(domid, gfn, port);
            } else {
                int domid = RequestHandler.domid(RequestHandler.oneArg(m));
                if (domid == 0) {
                    throw new XenstoreException(XsError.EINVAL);
                }
                if (!isIntroduced(domid)) {
                    throw new XenstoreException(XsError.ENOENT);
                }
                error = links.release(domid);
            }
        } catch (XenstoreException e) {
            error = e.error();
        }
        if (error != null) {
            c.error(m.reqId(), m.txId(), error);
        } else {
            c.reply(XsMessage.of(m.type(), m.reqId(), m.txId(), "OK\0"));
        }
    }

    /** Fires the watches of the changes recorded so far (lock held). */
    void fireChanges() {
        for (Change change : store.drainChanges()) {
            for (Connection c : connections) {
                if ((change.perms().access(c.caller) & Perms.READ) == 0) {
                    continue; // nobody hears about a node they may not read
                }
                for (Watch w : c.watches) {
                    if (w.special()) {
                        continue;
                    }
                    if (XsPath.isAtOrBelow(change.path(), w.path())) {
                        c.event(w.relative() ? XsPath.relativeTo(change.path(), c.caller.domid()) : change.path(),
                                w.token());
                    } else if (change.removed() && XsPath.isAtOrBelow(w.path(), change.path())) {
                        c.event(w.relative() ? XsPath.relativeTo(w.path(), c.caller.domid()) : w.path(), w.token());
                    }
                }
            }
        }
    }

    private void fireSpecial(String name) {
        Perms perms = special.get(name);
        for (Connection c : connections) {
            if ((perms.access(c.caller) & Perms.READ) == 0) {
                continue;
            }
            for (Watch w : c.watches) {
                if (w.path().equals(name)) {
                    c.event(name, w.token());
                }
            }
        }
    }

    Perms specialPerms(String name) {
        return special.get(name);
    }

    void setSpecialPerms(Caller caller, String name, Perms perms) {
        if (!caller.privileged()) {
            throw new XenstoreException(XsError.EACCES);
        }
        special.put(name, perms);
    }
}
