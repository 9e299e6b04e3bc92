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
 * Verifies the xenstore rules {@code XS-01} .. {@code XS-21} (see {@link XenstoreRules} and
 * {@code conformance-tests/RULES.md}) against a running xenstored, over the {@code xs_wire} protocol.
 *
 * <p>Extend it in your test scope and start your daemon:
 * {@snippet :
 * class MyXenstoredConformanceTest extends XenstoreVerification {
 *     @Override
 *     protected XenstoreUnderTest createXenstore() throws Exception {
 *         MyXenstored d = MyXenstored.start(Files.createTempDirectory("xs").resolve("socket"));
 *         return new XenstoreUnderTest() {
 *             public Path socketPath() { return d.socket(); }
 *             public void close() { d.stop(); }
 *         };
 *     }
 * }
 * }
 * Each test method gets a fresh daemon and works under {@code /kit}. Socket connections act as dom0. Checks that
 * need connections acting as guest domains ({@link XenstoreUnderTest#supportsDomainConnections()}) are
 * {@code optional_} methods and a SKIP without them; a {@code required_} check is never skipped by behaviour.
 * The model-based rule {@code XS-20} runs on the kit's property engine (seed printed on failure, replay with
 * {@code -Dpvkit.seed}).
 */
public abstract class XenstoreVerification {

    /** The directory every check works under. */
    protected static final String KIT = "/kit";

    private XenstoreUnderTest xenstore;
    private XsClient dom0;
    private final List<XsClient> clients = new ArrayList<>();
    private int nextDomid = 11;

    /** For subclasses. */
    protected XenstoreVerification() {
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

    private static XsMessage ok(XsMessage reply, String what) {
        if (reply.isError()) {
            fail(what + ": expected success but the daemon answered " + reply.text());
        }
        return reply;
    }

    private static void assertError(String expected, XsMessage reply, String what) {
        assertTrue(reply.isError(), what + ": expected " + expected + " but the daemon answered " + reply);
        assertEquals(expected, reply.text(), what);
        assertArrayEquals((expected + "\0").getBytes(StandardCharsets.ISO_8859_1), reply.payload(),
                what + ": an error payload is the name followed by one NUL");
    }

    private static void assertAnyError(XsMessage reply, String what) {
        assertTrue(reply.isError(), what + ": expected an XS_ERROR reply but the daemon answered " + reply);
        assertTrue(XsError.ofName(reply.text()).isPresent(), what + ": error name " + reply.text() + " is not in xs_wire.h");
    }

    private static String read(XsClient c, String path) throws IOException {
        return ok(c.request(READ, 0, path), "read " + path).value();
    }

    private static List<String> sorted(List<String> in) {
        List<String> out = new ArrayList<>(in);
        out.sort(null);
        return out;
    }

    private static void write(XsClient c, String path, String value) throws IOException {
        ok(c.request(WRITE.code(), 0, bytes(path + "\0" + value)), "write " + path);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private void watch(XsClient c, String path, String token) throws IOException {
        ok(c.request(WATCH, 0, path, token), "watch " + path);
        XsMessage first = c.nextEvent(replyTimeout());
        assertNotNull(first, c.name() + ": watch " + path + " did not fire at registration");
        assertEquals(List.of(path, token), first.strings(), "the registration event");
    }

    private List<String> quietEvents(XsClient c) {
        return c.drainEvents(quietPeriod());
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
        assertTrue(quietEvents(dom0).contains("kit-rel/y|reltok"), "a relative watch reports relative paths");
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

    // ---------------------------------------------------------------- XS-10

    /**
     * Rule {@linkplain XenstoreRules XS-10} ({@code RULES.md#xs-10}): a watch fires exactly once at registration,
     * with the watched path and the token, for an existing and for a missing node.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>that WATCH queues one XS_WATCH_EVENT after its OK reply, whether or not the node exists;</li>
     *   <li>that the event's req_id and tx_id are 0 and its payload is {@code path\0token\0}.</li>
     * </ul>
     *
     * @throws IOException when the connection to the daemon fails
     */
    @Test
    public void required_XS_10_watchFiresOnceAtRegistration() throws IOException {
        write(dom0, KIT + "/w", "v");
        for (String path : List.of(KIT + "/w", KIT + "/not/yet")) {
            ok(dom0.request(WATCH, 0, path, "tok-" + path.length()), "watch " + path);
            XsMessage e = dom0.nextEvent(replyTimeout());
            assertNotNull(e, "watch " + path + " did not fire at registration");
            assertEquals(XsdSockmsgType.WATCH_EVENT.code(), e.type());
            assertEquals(0, e.reqId(), "event req_id");
            assertEquals(0, e.txId(), "event tx_id");
            assertEquals(List.of(path, "tok-" + path.length()), e.strings(), "registration event");
            assertEquals(List.of(), quietEvents(dom0), "exactly one event at registration");
        }
    }

    // ---------------------------------------------------------------- XS-11

    /**
     * Rule {@linkplain XenstoreRules XS-11} ({@code RULES.md#xs-11}): a watch fires for changes of the node and its
     * descendants (write, mkdir, rm, set_perms) with the changed path, not for siblings or prefixes that are not
     * ancestors, and with the watched path when an ancestor's removal removes it.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the match: the event path equals the watch path or starts with the watch path plus {@code '/'}
     *       ({@code /kit/ab} is not below {@code /kit/a});</li>
     *   <li>that SET_PERMS and RM fire too;</li>
     *   <li>recursive removal of an ancestor: the event path is the watch path.</li>
     * </ul>
     *
     * @throws IOException when the connection to the daemon fails
     */
    @Test
    public void required_XS_11_watchFiresForTheNodeAndItsDescendantsOnly() throws IOException {
        ok(dom0.request(MKDIR, 0, KIT + "/a"), "mkdir");
        XsClient w = socketClient("watcher");
        watch(w, KIT + "/a", "t");
        write(dom0, KIT + "/a/x", "1");
        ok(dom0.request(MKDIR, 0, KIT + "/a/m"), "mkdir");
        ok(dom0.request(SET_PERMS, 0, KIT + "/a/x", "n0", "r1"), "set_perms");
        ok(dom0.request(RM, 0, KIT + "/a/m"), "rm");
        write(dom0, KIT + "/ab", "sibling with a common prefix");
        write(dom0, KIT + "/b/c", "elsewhere");
        List<String> events = quietEvents(w);
        for (String expected : List.of("/a/x", "/a/m", "/a/x", "/a/m")) {
            assertTrue(events.remove(KIT + expected + "|t"), "missing event for " + expected + "; got " + events);
        }
        assertEquals(List.of(), events, "no events outside the watched subtree");
        write(dom0, KIT + "/r/s/t", "v");
        watch(w, KIT + "/r/s/t", "deep");
        ok(dom0.request(RM, 0, KIT + "/r"), "rm of an ancestor");
        assertTrue(quietEvents(w).contains(KIT + "/r/s/t|deep"), "removal of an ancestor fires with the watched path");
    }

    // ---------------------------------------------------------------- XS-12

    /**
     * Rule {@linkplain XenstoreRules XS-12} ({@code RULES.md#xs-12}): changes in a transaction fire watches at
     * commit, not before, and never for a discarded transaction.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>that writes in a transaction record their events with the transaction instead of firing them;</li>
     *   <li>that a successful commit fires the recorded events and an abort or failed commit drops them.</li>
     * </ul>
     *
     * @throws IOException when the connection to the daemon fails
     */
    @Test
    public void required_XS_12_transactionChangesFireAtCommitOnly() throws IOException {
        XsClient w = socketClient("watcher");
        ok(dom0.request(MKDIR, 0, KIT + "/t"), "mkdir");
        watch(w, KIT + "/t", "t");
        int tx = Integer.parseUnsignedInt(ok(dom0.request(TRANSACTION_START, 0, ""), "start").text());
        ok(dom0.request(WRITE.code(), tx, bytes(KIT + "/t/x\0in tx")), "write in transaction");
        assertEquals(List.of(), quietEvents(w), "no event before commit");
        ok(dom0.request(TRANSACTION_END, tx, "T"), "commit");
        assertTrue(quietEvents(w).contains(KIT + "/t/x|t"), "event at commit");
        int tx2 = Integer.parseUnsignedInt(ok(dom0.request(TRANSACTION_START, 0, ""), "start").text());
        ok(dom0.request(WRITE.code(), tx2, bytes(KIT + "/t/y\0discarded")), "write in transaction");
        ok(dom0.request(TRANSACTION_END, tx2, "F"), "abort");
        assertEquals(List.of(), quietEvents(w), "no event for a discarded transaction");
    }

    // ---------------------------------------------------------------- XS-13

    /**
     * Rule {@linkplain XenstoreRules XS-13} ({@code RULES.md#xs-13}), capability-gated: a domain watching a subtree
     * gets events for the nodes it may read and none for a node it may not read.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>that each watch event is checked against the watching connection's read permission on the changed
     *       node before it is queued;</li>
     *   <li>that the check uses the watcher's domain, not the writer's.</li>
     * </ul>
     *
     * @throws IOException when the connection to the daemon fails
     */
    @Test
    public void optional_XS_13_noWatchEventForAnUnreadableNode() throws IOException {
        XsClient a = newDomain();
        String dir = KIT + "/shared";
        ok(dom0.request(MKDIR, 0, dir), "mkdir");
        ok(dom0.request(SET_PERMS, 0, dir, "n0", "r" + domid(a)), "set_perms");
        ok(dom0.request(MKDIR, 0, dir + "/private"), "mkdir");
        ok(dom0.request(SET_PERMS, 0, dir + "/private", "n0"), "set_perms");
        watch(a, dir, "w");
        write(dom0, dir + "/private", "hidden change");
        write(dom0, dir + "/public", "visible change");
        List<String> events = quietEvents(a);
        assertTrue(events.contains(dir + "/public|w"), "the readable change fires: " + events);
        assertFalse(events.contains(dir + "/private|w"), "an unreadable node must not fire: " + events);
    }

    // ---------------------------------------------------------------- XS-14

    /**
     * Rule {@linkplain XenstoreRules XS-14} ({@code RULES.md#xs-14}): {@code @introduceDomain} and
     * {@code @releaseDomain} can be watched and fire at registration.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>that WATCH accepts the two special paths (starting with {@code '@'}) instead of refusing them as
     *       invalid;</li>
     *   <li>that the registration event is sent for special watches too.</li>
     * </ul>
     *
     * @throws IOException when the connection to the daemon fails
     */
    @Test
    public void required_XS_14_specialWatchesFireAtRegistration() throws IOException {
        watch(dom0, "@introduceDomain", "in");
        watch(dom0, "@releaseDomain", "out");
    }

    /**
     * Rule {@linkplain XenstoreRules XS-14} ({@code RULES.md#xs-14}), capability-gated: introducing a domain fires
     * {@code @introduceDomain} and XS_RELEASE fires {@code @releaseDomain}.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>that introduction (XS_INTRODUCE or your toolstack's equivalent) fires the special watch;</li>
     *   <li>that XS_RELEASE from dom0 answers OK for an introduced domain and fires {@code @releaseDomain};</li>
     *   <li>IS_DOMAIN_INTRODUCED: T while introduced, F after release.</li>
     * </ul>
     *
     * @throws IOException when the connection to the daemon fails
     */
    @Test
    public void optional_XS_14_introduceAndReleaseFireSpecialWatches() throws IOException {
        Assumptions.assumeTrue(xenstore.supportsDomainConnections(), "domain connections not supported");
        XsClient w = socketClient("watcher");
        watch(w, "@introduceDomain", "in");
        watch(w, "@releaseDomain", "out");
        XsClient a = newDomain();
        assertTrue(quietEvents(w).contains("@introduceDomain|in"), "introduction fires @introduceDomain");
        String id = Integer.toString(domid(a));
        assertEquals("T", ok(dom0.request(IS_DOMAIN_INTRODUCED, 0, id), "is_domain_introduced").text());
        ok(dom0.request(RELEASE, 0, id), "release");
        assertTrue(quietEvents(w).contains("@releaseDomain|out"), "release fires @releaseDomain");
        assertEquals("F", ok(dom0.request(IS_DOMAIN_INTRODUCED, 0, id), "is_domain_introduced").text());
    }

    // ---------------------------------------------------------------- XS-15

    /**
     * Rule {@linkplain XenstoreRules XS-15} ({@code RULES.md#xs-15}): transactions are isolated, F discards, a
     * conflicting commit answers EAGAIN and applies nothing, and unknown transaction ids answer ENOENT.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>that TRANSACTION_START answers a decimal id followed by a NUL and the transaction reads its own writes;</li>
     *   <li>that writes outside the transaction that touch what it read or wrote make its commit fail with
     *       EAGAIN, leaving the outside value;</li>
     *   <li>that requests with a tx_id that was never started (or has ended) answer ENOENT.</li>
     * </ul>
     *
     * @throws IOException when the connection to the daemon fails
     */
    @Test
    public void required_XS_15_transactionsIsolateAndConflictWithEagain() throws IOException {
        XsMessage start = ok(dom0.request(TRANSACTION_START, 0, ""), "transaction_start");
        assertEquals(0, start.payload()[start.payload().length - 1], "transaction id followed by a NUL");
        int tx = Integer.parseUnsignedInt(start.text());
        ok(dom0.request(WRITE.code(), tx, bytes(KIT + "/n\0new")), "write in transaction");
        assertEquals("new", ok(dom0.request(READ, tx, KIT + "/n"), "read in transaction").value(), "own write visible");
        XsClient other = socketClient("other");
        assertError("ENOENT", other.request(READ, 0, KIT + "/n"), "uncommitted write is hidden");
        ok(dom0.request(TRANSACTION_END, tx, "T"), "commit");
        assertEquals("new", read(other, KIT + "/n"), "visible after commit");

        int discard = Integer.parseUnsignedInt(ok(dom0.request(TRANSACTION_START, 0, ""), "start").text());
        ok(dom0.request(WRITE.code(), discard, bytes(KIT + "/n\0discarded")), "write");
        ok(dom0.request(TRANSACTION_END, discard, "F"), "abort");
        assertEquals("new", read(other, KIT + "/n"), "F discards");

        int conflict = Integer.parseUnsignedInt(ok(dom0.request(TRANSACTION_START, 0, ""), "start").text());
        ok(dom0.request(READ, conflict, KIT + "/n"), "read in transaction");
        ok(dom0.request(WRITE.code(), conflict, bytes(KIT + "/n\0from tx")), "write in transaction");
        ok(dom0.request(WRITE.code(), conflict, bytes(KIT + "/n2\0also from tx")), "write in transaction");
        write(other, KIT + "/n", "outside");
        assertError("EAGAIN", dom0.request(TRANSACTION_END, conflict, "T"), "commit after a conflicting write");
        assertEquals("outside", read(other, KIT + "/n"), "the failed commit applied nothing");
        assertError("ENOENT", other.request(READ, 0, KIT + "/n2"), "the failed commit applied nothing");

        assertError("ENOENT", dom0.request(READ, 0xDEAD, KIT + "/n"), "read with an unknown tx_id");
        assertError("ENOENT", dom0.request(TRANSACTION_END, 0xDEAD, "T"), "end of an unknown transaction");
        assertError("ENOENT", dom0.request(TRANSACTION_END, tx, "T"), "end of an ended transaction");
    }

    // ---------------------------------------------------------------- XS-16

    /**
     * Rule {@linkplain XenstoreRules XS-16} ({@code RULES.md#xs-16}): UNWATCH removes one watch, unknown watches
     * answer ENOENT, duplicates EEXIST, and RESET_WATCHES removes all.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>that a watch is identified by (path, token) and UNWATCH removes only that one;</li>
     *   <li>the error names: ENOENT for an UNWATCH that matches nothing, EEXIST for a duplicate WATCH;</li>
     *   <li>that RESET_WATCHES answers OK and no watch of the connection fires afterwards.</li>
     * </ul>
     *
     * @throws IOException when the connection to the daemon fails
     */
    @Test
    public void required_XS_16_unwatchAndResetWatches() throws IOException {
        XsClient w = socketClient("watcher");
        ok(dom0.request(MKDIR, 0, KIT + "/u"), "mkdir");
        watch(w, KIT + "/u", "one");
        watch(w, KIT + "/u", "two");
        assertError("EEXIST", w.request(WATCH, 0, KIT + "/u", "one"), "duplicate watch");
        ok(w.request(UNWATCH, 0, KIT + "/u", "one"), "unwatch");
        assertError("ENOENT", w.request(UNWATCH, 0, KIT + "/u", "one"), "unwatch of a removed watch");
        assertError("ENOENT", w.request(UNWATCH, 0, KIT + "/u", "never"), "unwatch of an unknown token");
        write(dom0, KIT + "/u/x", "v");
        assertEquals(List.of(KIT + "/u/x|two"), quietEvents(w), "only the remaining watch fires");
        ok(w.request(RESET_WATCHES, 0, ""), "reset_watches");
        write(dom0, KIT + "/u/y", "v");
        assertEquals(List.of(), quietEvents(w), "no watch fires after RESET_WATCHES");
    }

    // ---------------------------------------------------------------- XS-17

    /**
     * Rule {@linkplain XenstoreRules XS-17} ({@code RULES.md#xs-17}): a 4096-byte payload works; a header
     * announcing more is not processed (closed or XS_ERROR), and other connections continue.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the bound: {@code len <= XENSTORE_PAYLOAD_MAX} (4096) is valid, 4097 is not;</li>
     *   <li>that the length is checked on the header, before waiting for or allocating the payload;</li>
     *   <li>that closing the offending connection does not stop the daemon's other connections.</li>
     * </ul>
     *
     * @throws IOException when the connection to the daemon fails
     */
    @Test
    public void required_XS_17_payloadLimitIsEnforcedPerConnection() throws IOException {
        String path = KIT + "/big";
        byte[] max = new byte[XsdSockmsgLayout.PAYLOAD_MAX];
        Arrays.fill(max, (byte) 'x');
        System.arraycopy(bytes(path), 0, max, 0, path.length());
        max[path.length()] = 0;
        ok(dom0.request(WRITE.code(), 0, max), "write with a 4096-byte payload");
        assertEquals(XsdSockmsgLayout.PAYLOAD_MAX - path.length() - 1, ok(dom0.request(READ, 0, path), "read")
                .payload().length, "value length");
        for (int len : new int[] {XsdSockmsgLayout.PAYLOAD_MAX + 1, 0x7FFF_FFFF, -1}) {
            XsClient bad = socketClient("oversized " + Integer.toUnsignedString(len));
            byte[] payload = len == XsdSockmsgLayout.PAYLOAD_MAX + 1 ? over(KIT + "/over", len) : new byte[0];
            bad.sendRaw(XsClient.encode(WRITE.code(), 77, 0, len, payload));
            XsMessage r = bad.nextReply(replyTimeout());
            boolean refused = r != null && (r.type() == -1 || r.isError());
            assertTrue(refused, "len " + Integer.toUnsignedString(len) + ": expected the connection closed or an "
                    + "XS_ERROR, got " + (r == null ? "nothing within " + replyTimeout().toMillis() + " ms" : r));
            assertError("ENOENT", dom0.request(READ, 0, KIT + "/over"), "an oversized write must not be applied");
        }
    }

    private static byte[] over(String path, int len) {
        byte[] b = new byte[len];
        Arrays.fill(b, (byte) 'y');
        System.arraycopy(bytes(path), 0, b, 0, path.length());
        b[path.length()] = 0;
        return b;
    }

    // ---------------------------------------------------------------- XS-18

    /**
     * Rule {@linkplain XenstoreRules XS-18} ({@code RULES.md#xs-18}): unknown types (including XS_WATCH_EVENT,
     * XS_ERROR and the removed XS_RESTRICT sent by a client) and paths without their NUL get an XS_ERROR, and the
     * connection goes on.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the type switch's default branch (an error reply, not OK, not a crash);</li>
     *   <li>that a path argument must end in a NUL inside the payload;</li>
     *   <li>that after an error the same connection and other connections are served.</li>
     * </ul>
     *
     * @throws IOException when the connection to the daemon fails
     */
    @Test
    public void required_XS_18_unknownTypesAndMissingNulGetErrors() throws IOException {
        write(dom0, KIT + "/a", "v");
        XsClient c = socketClient("malformed");
        for (int type : new int[] {99, 20, 15, 16, 65535, 0x7FFF_FFFF}) {
            XsMessage r = c.request(type, 0, XsClient.nulTerminated(KIT + "/a"));
            assertAnyError(r, "request of type " + Integer.toUnsignedString(type));
            assertEquals("v", read(c, KIT + "/a"), "the connection still works after type " + type);
        }
        assertAnyError(c.request(READ.code(), 0, bytes(KIT + "/a")), "read without a NUL");
        assertAnyError(c.request(WRITE.code(), 0, bytes(KIT + "/nonul")), "write without any NUL");
        assertError("ENOENT", dom0.request(READ, 0, KIT + "/nonul"), "a write without NUL must not be applied");
        assertEquals("v", read(c, KIT + "/a"), "the connection still works");
        assertEquals("v", read(dom0, KIT + "/a"), "other connections still work");
    }

    /**
     * Rule {@linkplain XenstoreRules XS-18} ({@code RULES.md#xs-18}): requests with an empty payload (READ, WRITE,
     * WATCH) get an XS_ERROR on a connection that has a watch set, and the daemon keeps serving.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>that a zero-length payload is complete as soon as the header is (no wait for payload bytes);</li>
     *   <li>that it is answered with an error and the input buffer is reset for the next message (Xen 4.17's C
     *       xenstored aborts here with {@code consider_message: Assertion conn->in == NULL});</li>
     *   <li>that another connection is still served afterwards.</li>
     * </ul>
     *
     * @throws IOException when the connection to the daemon fails
     */
    @Test
    public void required_XS_18_emptyPayloadGetsAnErrorWithAWatchSet() throws IOException {
        write(dom0, KIT + "/a", "v");
        XsClient c = socketClient("empty payloads");
        watch(c, KIT + "/a", "w");
        for (XsdSockmsgType type : List.of(READ, WRITE, WATCH)) {
            XsMessage r = c.nextReply(Duration.ZERO);
            assertNull(r, "nothing pending before " + type);
            assertAnyError(c.request(type.code(), 0, new byte[0]), type + " with an empty payload");
            assertEquals("v", read(dom0, KIT + "/a"), "other connections still work after an empty " + type);
        }
        assertEquals("v", read(c, KIT + "/a"), "the connection still works");
    }

    // ---------------------------------------------------------------- XS-19

    /**
     * Rule {@linkplain XenstoreRules XS-19} ({@code RULES.md#xs-19}): GET_DOMAIN_PATH and IS_DOMAIN_INTRODUCED.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the format {@code /local/domain/<decimal domid>} followed by a NUL;</li>
     *   <li>that dom0 counts as introduced (T) and a never-introduced domid answers F.</li>
     * </ul>
     *
     * @throws IOException when the connection to the daemon fails
     */
    @Test
    public void required_XS_19_domainPathAndIntroduced() throws IOException {
        XsMessage p = ok(dom0.request(GET_DOMAIN_PATH, 0, "5"), "get_domain_path 5");
        assertArrayEquals(bytes("/local/domain/5\0"), p.payload(), "domain path");
        assertEquals("T", ok(dom0.request(IS_DOMAIN_INTRODUCED, 0, "0"), "is_domain_introduced 0").text());
        assertEquals("F", ok(dom0.request(IS_DOMAIN_INTRODUCED, 0, "32000"), "is_domain_introduced 32000").text());
    }

    // ---------------------------------------------------------------- XS-20

    /**
     * The seed of XS-20's model-based check: empty (the default) runs the build's number of random tries;
     * a seed printed by a failure replays exactly that try (what a self-test pins so that a planted bug is
     * caught on every run, not when the random sequence happens to reach it).
     *
     * @param property {@code xs20-two-connections} or {@code xs20-two-domains}
     * @return the try seed to replay, or empty for random tries
     */
    protected java.util.OptionalLong modelSeed(String property) {
        return java.util.OptionalLong.empty();
    }

    /**
     * Rule {@linkplain XenstoreRules XS-20} ({@code RULES.md#xs-20}): random READ/WRITE/MKDIR/RM/DIRECTORY/
     * GET_PERMS/SET_PERMS sequences from two socket connections agree with {@link XenstoreModel} (seeded, shrunk,
     * replay with {@code -Dpvkit.seed}).
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the printed shrunk steps: each names the connection, the operation and the reply the model expected;</li>
     *   <li>child lists after interleaved creates and removes, and permission inheritance on implicit parents.</li>
     * </ul>
     *
     * @throws IOException when the connection to the daemon fails
     */
    @Test
    public void required_XS_20_modelBasedSequencesFromTwoConnections() throws IOException {
        XsClient one = socketClient("dom0 socket A");
        XsClient two = socketClient("dom0 socket B");
        new XenstoreModelCheck(dom0, List.of(new XenstoreModelCheck.Actor(one, 0), new XenstoreModelCheck.Actor(two, 0)),
                List.of(3, 4)).run("xs20-two-connections", modelSeed("xs20-two-connections"));
    }

    /**
     * Rule {@linkplain XenstoreRules XS-20} ({@code RULES.md#xs-20}), capability-gated: the same with two domains,
     * where Xen's permission rules decide every answer.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>ENOENT versus EACCES for a missing node (the nearest existing ancestor's read permission decides);</li>
     *   <li>ownership of nodes a domain creates, including implicit parents;</li>
     *   <li>SET_PERMS by a non-owner (EACCES) and an owner change by a domain (EPERM).</li>
     * </ul>
     *
     * @throws IOException when the connection to the daemon fails
     */
    @Test
    public void optional_XS_20_modelBasedSequencesFromTwoDomains() throws IOException {
        XsClient a = newDomain();
        XsClient b = newDomain();
        new XenstoreModelCheck(dom0, List.of(new XenstoreModelCheck.Actor(a, domid(a)),
                new XenstoreModelCheck.Actor(b, domid(b))), List.of()).run("xs20-two-domains", modelSeed("xs20-two-domains"));
    }

    // ---------------------------------------------------------------- XS-21

    /**
     * Rule {@linkplain XenstoreRules XS-21} ({@code RULES.md#xs-21}), capability-gated: a guest cannot introduce,
     * release or retarget domains.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the privilege check at the top of INTRODUCE, RELEASE and SET_TARGET (EACCES for any domain but dom0);</li>
     *   <li>that the refused request changed nothing (the domain is not introduced).</li>
     * </ul>
     *
     * @throws IOException when the connection to the daemon fails
     */
    @Test
    public void optional_XS_21_domainsCannotIntroduceOrReleaseDomains() throws IOException {
        XsClient a = newDomain();
        assertError("EACCES", a.request(INTRODUCE, 0, "4000", "1", "1"), "introduce by a domain");
        assertError("EACCES", a.request(RELEASE, 0, Integer.toString(domid(a))), "release by a domain");
        assertError("EACCES", a.request(SET_TARGET, 0, Integer.toString(domid(a)), "0"), "set_target by a domain");
        assertEquals("F", ok(dom0.request(IS_DOMAIN_INTRODUCED, 0, "4000"), "is_domain_introduced").text());
        assertEquals("T", ok(dom0.request(IS_DOMAIN_INTRODUCED, 0, Integer.toString(domid(a))), "is_introduced").text());
    }
}
