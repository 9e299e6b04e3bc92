package io.pvkit.conformance.xenstore;

import static io.pvkit.abi.xenstore.XsdSockmsgType.DIRECTORY;
import static io.pvkit.abi.xenstore.XsdSockmsgType.GET_DOMAIN_PATH;
import static io.pvkit.abi.xenstore.XsdSockmsgType.GET_PERMS;
import static io.pvkit.abi.xenstore.XsdSockmsgType.INTRODUCE;
import static io.pvkit.abi.xenstore.XsdSockmsgType.IS_DOMAIN_INTRODUCED;
import static io.pvkit.abi.xenstore.XsdSockmsgType.MKDIR;
import static io.pvkit.abi.xenstore.XsdSockmsgType.READ;
import static io.pvkit.abi.xenstore.XsdSockmsgType.RELEASE;
import static io.pvkit.abi.xenstore.XsdSockmsgType.RESET_WATCHES;
import static io.pvkit.abi.xenstore.XsdSockmsgType.RM;
import static io.pvkit.abi.xenstore.XsdSockmsgType.SET_PERMS;
import static io.pvkit.abi.xenstore.XsdSockmsgType.SET_TARGET;
import static io.pvkit.abi.xenstore.XsdSockmsgType.TRANSACTION_END;
import static io.pvkit.abi.xenstore.XsdSockmsgType.TRANSACTION_START;
import static io.pvkit.abi.xenstore.XsdSockmsgType.UNWATCH;
import static io.pvkit.abi.xenstore.XsdSockmsgType.WATCH;
import static io.pvkit.abi.xenstore.XsdSockmsgType.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pvkit.abi.xenstore.XsError;
import io.pvkit.abi.xenstore.XsdSockmsgLayout;
import io.pvkit.abi.xenstore.XsdSockmsgType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
/**
 * The first part of {@link XenstoreVerification}: the daemon's set-up, the helpers every xenstore check uses, and the
 * rules on the tree, paths and permissions ({@code XS-01} .. {@code XS-09}). Extend {@link XenstoreVerification},
 * not this class; the split only keeps each part readable.
 */
public abstract class XenstoreTreeVerification {

    /** The directory every check works under. */
    protected static final String KIT = "/kit";

    private XenstoreUnderTest xenstore;
    private XsClient dom0;
    private final List<XsClient> clients = new ArrayList<>();
    private int nextDomid = 11;

    /** For subclasses. */
    protected XenstoreTreeVerification() {
    }

    /**
     * Starts a fresh xenstored under test; called before every test method and closed after it.
     *
     * @return the daemon
     * @throws Exception when it cannot start
     */
    protected abstract XenstoreUnderTest createXenstore() throws Exception;

    /**
     * How long the kit waits for a reply (default 5 s).
     *
     * @return the reply timeout
     */
    protected Duration replyTimeout() {
        return Duration.ofSeconds(5);
    }

    /**
     * How long the kit waits before concluding that an event or a close did not come (default 300 ms).
     *
     * @return the quiet period
     */
    protected Duration quietPeriod() {
        return Duration.ofMillis(300);
    }

    /**
     * Starts the daemon and opens the main dom0 connection.
     *
     * @throws Exception when the daemon cannot start or connect
     */
    @BeforeEach
    public void setUpXenstore() throws Exception {
        xenstore = createXenstore();
        assertNotNull(xenstore, "createXenstore() returned null");
        dom0 = socketClient("dom0 socket");
        ok(dom0.request(MKDIR, 0, KIT), "mkdir " + KIT);
    }

    /**
     * Closes every connection and the daemon.
     *
     * @throws Exception when stopping fails
     */
    @AfterEach
    public void tearDownXenstore() throws Exception {
        for (XsClient c : clients) {
            c.close();
        }
        clients.clear();
        if (xenstore != null) {
            xenstore.close();
        }
    }

    // ---------------------------------------------------------------- helpers

    /**
     * Opens another connection on the daemon's socket (acting as dom0).
     *
     * @param name a name for failure messages
     * @return the client
     * @throws IOException when connecting fails
     */
    protected final XsClient socketClient(String name) throws IOException {
        XsClient c = XsClient.connect(xenstore.socketPath(), name, replyTimeout());
        clients.add(c);
        return c;
    }

    /**
     * Introduces a new domain through the SPI, gives it a home {@code /local/domain/<domid>} that it owns, and
     * returns a connection acting as it; aborts (SKIP) when the implementation has no domain connections.
     *
     * @return the domain's client; its domid is in {@link XsClient#name()} after "domain "
     * @throws IOException when connecting fails
     */
    protected final XsClient newDomain() throws IOException {
        Assumptions.assumeTrue(xenstore.supportsDomainConnections(),
                "XenstoreUnderTest.supportsDomainConnections() is false: domain-level check skipped");
        int domid = nextDomid++;
        XsClient c = new XsClient(xenstore.connectAsDomain(domid), "domain " + domid, replyTimeout());
        clients.add(c);
        String home = "/local/domain/" + domid;
        ok(dom0.request(MKDIR, 0, home), "mkdir " + home);
        ok(dom0.request(SET_PERMS, 0, home, "n" + domid), "set_perms " + home);
        return c;
    }

    /**
     * The domid of a client made by {@link #newDomain()}.
     *
     * @param domain the client
     * @return its domid
     */
    protected static int domid(XsClient domain) {
        return Integer.parseInt(domain.name().substring("domain ".length()));
    }

    /**
     * The main dom0 socket connection.
     *
     * @return the client
     */
    protected final XsClient dom0() {
        return dom0;
    }

    /** The daemon under test of the running check. */
    final XenstoreUnderTest xenstoreUnderTest() {
        return xenstore;
    }

    static XsMessage ok(XsMessage reply, String what) {
        if (reply.isError()) {
            fail(what + ": expected success but the daemon answered " + reply.text());
        }
        return reply;
    }

    static void assertError(String expected, XsMessage reply, String what) {
        assertTrue(reply.isError(), what + ": expected " + expected + " but the daemon answered " + reply);
        assertEquals(expected, reply.text(), what);
        assertArrayEquals((expected + "\0").getBytes(StandardCharsets.ISO_8859_1), reply.payload(),
                what + ": an error payload is the name followed by one NUL");
    }

    static void assertAnyError(XsMessage reply, String what) {
        assertTrue(reply.isError(), what + ": expected an XS_ERROR reply but the daemon answered " + reply);
        assertTrue(XsError.ofName(reply.text()).isPresent(), what + ": error name " + reply.text() + " is not in xs_wire.h");
    }

    static String read(XsClient c, String path) throws IOException {
        return ok(c.request(READ, 0, path), "read " + path).value();
    }

    static List<String> sorted(List<String> in) {
        List<String> out = new ArrayList<>(in);
        out.sort(null);
        return out;
    }

    static void write(XsClient c, String path, String value) throws IOException {
        ok(c.request(WRITE.code(), 0, bytes(path + "\0" + value)), "write " + path);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    final void watch(XsClient c, String path, String token) throws IOException {
        ok(c.request(WATCH, 0, path, token), "watch " + path);
        XsMessage first = c.nextEvent(replyTimeout());
        assertNotNull(first, c.name() + ": watch " + path + " did not fire at registration");
        assertEquals(List.of(path, token), first.strings(), "the registration event");
    }

    /** Every event of {@code c} within {@link #quietPeriod()}: for checks that an event does <em>not</em> come. */
    final List<String> quietEvents(XsClient c) {
        return c.drainEvents(quietPeriod());
    }

    /**
     * The events of {@code c} until each of {@code expected} has arrived (waiting at most {@link #replyTimeout()} in
     * all, so a slow machine does not fail a daemon that is only late), then every further event within
     * {@link #quietPeriod()}: what the caller asserts on, including events that must not have come.
     *
     * @param c the watching connection
     * @param expected the events awaited, as "path|token", each once per occurrence
     * @return the events in arrival order, as "path|token"
     */
    final List<String> eventsAwaiting(XsClient c, List<String> expected) {
        List<String> out = new ArrayList<>();
        List<String> missing = new ArrayList<>(expected);
        long deadline = System.nanoTime() + replyTimeout().toNanos();
        while (!missing.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            XsMessage m = c.nextEvent(Duration.ofNanos(left));
            if (m == null) {
                break;
            }
            String e = String.join("|", m.strings());
            out.add(e);
            missing.remove(e);
        }
        out.addAll(c.drainEvents(quietPeriod()));
        return out;
    }

    // ---------------------------------------------------------------- XS-01

    /**
     * Rule {@linkplain XenstoreRules XS-01} ({@code RULES.md#xs-01}): replies carry the request's type (or
     * XS_ERROR), req_id and tx_id, for req_ids at the ends of the 32-bit range, and an error payload is exactly a
     * name from {@code xs_wire.h} plus one NUL.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>that the reply header copies {@code req_id} and {@code tx_id} from the request (all 32 bits, unsigned);</li>
     *   <li>that a success reply uses the request's type and an error uses {@code XS_ERROR} (16);</li>
     *   <li>that the error payload is the name ({@code "ENOENT"}), not a number, with exactly one trailing NUL.</li>
     * </ul>
     *
     * @throws IOException when the connection to the daemon fails
     */
    @Test
    public void required_XS_01_repliesEchoTypeReqIdAndTxId() throws IOException {
        write(dom0, KIT + "/a", "v");
        int[] reqIds = {0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF};
        for (int reqId : reqIds) {
            byte[] present = XsClient.nulTerminated(KIT + "/a");
            dom0.sendRaw(XsClient.encode(READ.code(), reqId, 0, present.length, present));
            XsMessage r = dom0.awaitReply(reqId, "read with req_id " + Integer.toUnsignedString(reqId));
            assertEquals(READ.code(), r.type(), "reply type");
            assertEquals(reqId, r.reqId(), "req_id echoed");
            assertEquals(0, r.txId(), "tx_id echoed");
            byte[] missing = XsClient.nulTerminated(KIT + "/nope");
            dom0.sendRaw(XsClient.encode(READ.code(), reqId, 0, missing.length, missing));
            XsMessage e = dom0.awaitReply(reqId, "read of a missing node");
            assertEquals(XsdSockmsgType.ERROR.code(), e.type(), "error reply type");
            assertEquals(reqId, e.reqId(), "req_id echoed in an error");
            assertError("ENOENT", e, "read of a missing node");
        }
        XsMessage start = ok(dom0.request(TRANSACTION_START, 0, ""), "transaction_start");
        int tx = Integer.parseUnsignedInt(start.text());
        XsMessage w = dom0.request(WRITE.code(), tx, bytes(KIT + "/t\0x"));
        assertEquals(WRITE.code(), w.type(), "write in a transaction");
        assertEquals(tx, w.txId(), "tx_id echoed");
        XsMessage e = dom0.request(READ, tx, KIT + "/missing");
        assertEquals(tx, e.txId(), "tx_id echoed in an error");
        assertError("ENOENT", e, "read of a missing node in a transaction");
        ok(dom0.request(TRANSACTION_END, tx, "F"), "transaction_end F");
    }

    // ---------------------------------------------------------------- XS-02

    /**
     * Rule {@linkplain XenstoreRules XS-02} ({@code RULES.md#xs-02}): values are octet strings: NUL bytes, every
     * byte value and the empty value read back exactly; a missing node reads as ENOENT.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>that the value is everything after the path's NUL (not a C string cut at the next NUL);</li>
     *   <li>that no NUL is appended to the value in the READ reply;</li>
     *   <li>that bytes above 0x7F are not re-encoded (no UTF-8 conversion).</li>
     * </ul>
     *
     * @throws IOException when the connection to the daemon fails
     */
    @Test
    public void required_XS_02_writeThenReadIsByteExact() throws IOException {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        byte[][] values = {new byte[0], bytes("hello"), bytes("a\0b\0"), all};
        for (int i = 0; i < values.length; i++) {
            String path = KIT + "/v" + i;
            byte[] payload = new byte[path.length() + 1 + values[i].length];
            System.arraycopy(bytes(path), 0, payload, 0, path.length());
            System.arraycopy(values[i], 0, payload, path.length() + 1, values[i].length);
            ok(dom0.request(WRITE.code(), 0, payload), "write " + path);
            XsMessage r = ok(dom0.request(READ, 0, path), "read " + path);
            assertArrayEquals(values[i], r.payload(), "value " + i + " read back byte for byte");
        }
        assertError("ENOENT", dom0.request(READ, 0, KIT + "/never/written"), "read of a missing node");
    }

    // ---------------------------------------------------------------- XS-03

    /**
     * Rule {@linkplain XenstoreRules XS-03} ({@code RULES.md#xs-03}): WRITE and MKDIR create missing parents with
     * empty values; MKDIR of an existing node keeps its value.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>that creation walks up to the nearest existing ancestor and creates every level below it;</li>
     *   <li>that MKDIR of an existing node is a success that does not reset the value.</li>
     * </ul>
     *
     * @throws IOException when the connection to the daemon fails
     */
    @Test
    public void required_XS_03_writeAndMkdirCreateParents() throws IOException {
        write(dom0, KIT + "/p/q/r", "leaf");
        assertEquals("", read(dom0, KIT + "/p"), "parent created by WRITE");
        assertEquals("", read(dom0, KIT + "/p/q"), "parent created by WRITE");
        ok(dom0.request(MKDIR, 0, KIT + "/m/n/o"), "mkdir");
        assertEquals("", read(dom0, KIT + "/m/n"), "parent created by MKDIR");
        assertEquals("", read(dom0, KIT + "/m/n/o"), "node created by MKDIR");
        ok(dom0.request(MKDIR, 0, KIT + "/p/q/r"), "mkdir of an existing node");
        assertEquals("leaf", read(dom0, KIT + "/p/q/r"), "MKDIR leaves an existing value unchanged");
    }

    // ---------------------------------------------------------------- XS-04

    /**
     * Rule {@linkplain XenstoreRules XS-04} ({@code RULES.md#xs-04}): RM removes the whole subtree; RM of a missing
     * node is OK when its parent exists and ENOENT otherwise.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>that RM is recursive and removes the node from its parent's child list;</li>
     *   <li>the two missing-node cases (parent present: OK; parent absent: ENOENT).</li>
     * </ul>
     *
     * @throws IOException when the connection to the daemon fails
     */
    @Test
    public void required_XS_04_rmDeletesTheSubtree() throws IOException {
        write(dom0, KIT + "/r/a/b", "1");
        write(dom0, KIT + "/r/c", "2");
        write(dom0, KIT + "/keep", "3");
        ok(dom0.request(RM, 0, KIT + "/r"), "rm");
        for (String p : List.of("/r", "/r/a", "/r/a/b", "/r/c")) {
            assertError("ENOENT", dom0.request(READ, 0, KIT + p), "read of removed " + p);
        }
        assertEquals(List.of("keep"), ok(dom0.request(DIRECTORY, 0, KIT), "directory").strings(), "listing after rm");
        ok(dom0.request(RM, 0, KIT + "/absent"), "rm of a missing node whose parent exists");
        assertError("ENOENT", dom0.request(RM, 0, KIT + "/absent/child"), "rm of a node whose parent is missing");
    }

    // ---------------------------------------------------------------- XS-05

    /**
     * Rule {@linkplain XenstoreRules XS-05} ({@code RULES.md#xs-05}): DIRECTORY lists the immediate children's
     * leaf names (any order), each followed by a NUL; an empty node lists nothing; a missing one is ENOENT.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>that grandchildren are not listed and names are leaf names, not full paths;</li>
     *   <li>that every name, including the last, is followed by exactly one NUL;</li>
     *   <li>that a node's child list is updated on every create and remove.</li>
     * </ul>
     *
     * @throws IOException when the connection to the daemon fails
     */
    @Test
    public void required_XS_05_directoryListsImmediateChildren() throws IOException {
        write(dom0, KIT + "/d/one", "1");
        write(dom0, KIT + "/d/two/deep", "2");
        ok(dom0.request(MKDIR, 0, KIT + "/d/three"), "mkdir");
        XsMessage list = ok(dom0.request(DIRECTORY, 0, KIT + "/d"), "directory");
        assertEquals(List.of("one", "three", "two"), sorted(list.strings()), "children of " + KIT + "/d");
        assertEquals("one\0two\0three\0".length(), list.payload().length, "each name followed by one NUL, nothing else");
        assertEquals(0, ok(dom0.request(DIRECTORY, 0, KIT + "/d/one"), "directory of a leaf").payload().length,
                "a leaf lists nothing");
        assertError("ENOENT", dom0.request(DIRECTORY, 0, KIT + "/nothing"), "directory of a missing node");
    }

    // ---------------------------------------------------------------- XS-06

    /**
     * Rule {@linkplain XenstoreRules XS-06} ({@code RULES.md#xs-06}): invalid paths are refused with EINVAL and
     * leave the connection usable; a 2048-byte absolute path is accepted.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the character set {@code [A-Za-z0-9/_@-]} (space, dot, colon and bytes above 0x7F are invalid);</li>
     *   <li>doubled slashes, a trailing slash, the empty path, and the 3072-byte bound of XENSTORE_ABS_PATH_MAX;</li>
     *   <li>that the check runs before any lookup, for WRITE, MKDIR, READ, RM and WATCH alike.</li>
     * </ul>
     *
     * @throws IOException when the connection to the daemon fails
     */
    @Test
    public void required_XS_06_invalidPathsAreRefusedWithEinval() throws IOException {
        List<String> bad = List.of(KIT + "/a b", KIT + "/a.b", KIT + "/a:b", KIT + "/\u00e9", KIT + "//a", KIT + "/a/",
                "", "/" + "a".repeat(3072), KIT + "/" + "b".repeat(4000));
        for (String p : bad) {
            String shown = p.length() > 40 ? p.substring(0, 20) + "...(" + p.length() + " bytes)" : p;
            assertError("EINVAL", dom0.request(WRITE.code(), 0, bytes(p + "\0v")), "write of invalid path '" + shown + "'");
            assertError("EINVAL", dom0.request(MKDIR, 0, p), "mkdir of invalid path '" + shown + "'");
            assertError("EINVAL", dom0.request(READ, 0, p), "read of invalid path '" + shown + "'");
            assertError("EINVAL", dom0.request(WATCH, 0, p, "tok"), "watch of invalid path '" + shown + "'");
        }
        StringBuilder longPath = new StringBuilder(KIT);
        while (2048 - longPath.length() > 101) {
            longPath.append('/').append("x".repeat(99));
        }
        int rest = 2048 - longPath.length() - 1;
        longPath.append('/').append("y".repeat(rest));
        assertEquals(2048, longPath.length());
        write(dom0, longPath.toString(), "long");
        assertEquals("long", read(dom0, longPath.toString()), "a 2048-byte path is accepted");
    }

    // ---------------------------------------------------------------- XS-07

    /**
     * Rule {@linkplain XenstoreRules XS-07} ({@code RULES.md#xs-07}): on the socket (dom0), a relative path resolves
     * under {@code /local/domain/0}, and a watch on a relative path reports relative event paths.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>that relative paths are joined to the connection's home before validation and lookup;</li>
     *   <li>that socket connections count as dom0 (home {@code /local/domain/0});</li>
     *   <li>that a relative watch's events have the home prefix stripped again.</li>
     * </ul>
     *
     * @throws IOException when the connection to the daemon fails
     */
    @Test
    public void required_XS_07_relativePathsResolveUnderTheHomeOfDom0() throws IOException {
        write(dom0, "kit-rel/x", "relative");
        assertEquals("relative", read(dom0, "/local/domain/0/kit-rel/x"), "relative write lands in /local/domain/0");
        watch(dom0, "kit-rel", "reltok");
        write(dom0, "/local/domain/0/kit-rel/y", "v");
        assertTrue(eventsAwaiting(dom0, List.of("kit-rel/y|reltok")).contains("kit-rel/y|reltok"),
                "a relative watch reports relative paths");
    }

    /**
     * Rule {@linkplain XenstoreRules XS-07} ({@code RULES.md#xs-07}), capability-gated: a domain's relative path
     * resolves under its own {@code /local/domain/<domid>}.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>that the home used for resolution is the connection's domain, not dom0's;</li>
     *   <li>GET_DOMAIN_PATH and resolution agree.</li>
     * </ul>
     *
     * @throws IOException when the connection to the daemon fails
     */
    @Test
    public void optional_XS_07_relativePathsOfADomainResolveUnderItsHome() throws IOException {
        XsClient a = newDomain();
        write(a, "data/x", "mine");
        assertEquals("mine", read(dom0, "/local/domain/" + domid(a) + "/data/x"), "relative write of a domain");
    }

    // ---------------------------------------------------------------- XS-08

    /**
     * Rule {@linkplain XenstoreRules XS-08} ({@code RULES.md#xs-08}): permission lists round-trip owner first,
     * children inherit, malformed lists are EINVAL, a missing node is ENOENT.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>that SET_PERMS stores the list as given (order kept, owner first) and GET_PERMS prints letter + decimal;</li>
     *   <li>that a node created below inherits its parent's list (dom0 keeps the owner);</li>
     *   <li>the parser: unknown letters, a missing list, or a domid that is not a number are EINVAL.</li>
     * </ul>
     *
     * @throws IOException when the connection to the daemon fails
     */
    @Test
    public void required_XS_08_permissionsListOwnerFirstAndInherit() throws IOException {
        write(dom0, KIT + "/p", "v");
        List<String> initial = ok(dom0.request(GET_PERMS, 0, KIT + "/p"), "get_perms").strings();
        assertFalse(initial.isEmpty(), "a node has at least its owner entry");
        for (String entry : initial) {
            assertTrue(entry.matches("[nrwb][0-9]+"), "entry format letter + decimal domid: " + entry);
        }
        ok(dom0.request(SET_PERMS, 0, KIT + "/p", "r3", "w4", "n5", "b6"), "set_perms");
        assertEquals(List.of("r3", "w4", "n5", "b6"), ok(dom0.request(GET_PERMS, 0, KIT + "/p"), "get_perms").strings(),
                "the list as set, owner first");
        write(dom0, KIT + "/p/child/grand", "g");
        assertEquals(List.of("r3", "w4", "n5", "b6"), ok(dom0.request(GET_PERMS, 0, KIT + "/p/child/grand"),
                "get_perms").strings(), "inherited by new nodes");
        assertError("EINVAL", dom0.request(SET_PERMS, 0, KIT + "/p", "x3"), "unknown permission letter");
        assertError("EINVAL", dom0.request(SET_PERMS, 0, KIT + "/p"), "no permission list");
        assertError("EINVAL", dom0.request(SET_PERMS, 0, KIT + "/p", "rabc"), "domid not a number");
        assertEquals(List.of("r3", "w4", "n5", "b6"), ok(dom0.request(GET_PERMS, 0, KIT + "/p"), "get_perms").strings(),
                "refused lists change nothing");
        assertError("ENOENT", dom0.request(GET_PERMS, 0, KIT + "/missing"), "get_perms of a missing node");
    }

    // ---------------------------------------------------------------- XS-09

    /**
     * Rule {@linkplain XenstoreRules XS-09} ({@code RULES.md#xs-09}), capability-gated: two domains are isolated by
     * permissions: no access without an entry, read-only with {@code r}, owners own what they create.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the order of the permission decision: dom0, then owner, then the first entry naming the domain, then
     *       the owner entry's letter as the default;</li>
     *   <li>that every operation checks: READ, DIRECTORY, GET_PERMS need read; WRITE, MKDIR, RM, SET_PERMS need
     *       write (SET_PERMS also ownership);</li>
     *   <li>that a node a domain creates is owned by that domain.</li>
     * </ul>
     *
     * @throws IOException when the connection to the daemon fails
     */
    @Test
    public void optional_XS_09_domainsAreIsolatedByPermissions() throws IOException {
        XsClient a = newDomain();
        XsClient b = newDomain();
        String homeA = "/local/domain/" + domid(a);
        write(a, homeA + "/secret", "s");
        assertEquals("n" + domid(a), ok(a.request(GET_PERMS, 0, homeA + "/secret"), "get_perms").strings().getFirst(),
                "a domain owns what it creates");
        for (XsdSockmsgType op : List.of(READ, DIRECTORY, GET_PERMS, MKDIR, RM)) {
            assertError("EACCES", b.request(op, 0, homeA + "/secret"), op + " of another domain's private node");
        }
        assertError("EACCES", b.request(WRITE.code(), 0, bytes(homeA + "/secret\0x")), "write of another domain's node");
        assertError("EACCES", b.request(SET_PERMS, 0, homeA + "/secret", "b" + domid(b)), "set_perms by a stranger");
        assertError("EACCES", b.request(READ, 0, homeA + "/secret/missing"), "a missing node below a private one");
        ok(a.request(SET_PERMS, 0, homeA + "/secret", "n" + domid(a), "r" + domid(b)), "grant read");
        assertEquals("s", read(b, homeA + "/secret"), "read with r");
        assertError("EACCES", b.request(WRITE.code(), 0, bytes(homeA + "/secret\0x")), "write with only r");
        assertEquals("s", read(dom0, homeA + "/secret"), "dom0 reads everything");
        assertEquals("s", read(a, homeA + "/secret"), "the owner keeps access");
    }
}
