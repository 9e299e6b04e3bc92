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
 * The second part of {@link XenstoreVerification}: the rules on watches and transactions ({@code XS-10} ..
 * {@code XS-16}). Extend {@link XenstoreVerification}, not this class.
 */
public abstract class XenstoreWatchVerification extends XenstoreTreeVerification {
    /** For subclasses. */
    protected XenstoreWatchVerification() {
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
        write(dom0(), KIT + "/w", "v");
        for (String path : List.of(KIT + "/w", KIT + "/not/yet")) {
            ok(dom0().request(WATCH, 0, path, "tok-" + path.length()), "watch " + path);
            XsMessage e = dom0().nextEvent(replyTimeout());
            assertNotNull(e, "watch " + path + " did not fire at registration");
            assertEquals(XsdSockmsgType.WATCH_EVENT.code(), e.type());
            assertEquals(0, e.reqId(), "event req_id");
            assertEquals(0, e.txId(), "event tx_id");
            assertEquals(List.of(path, "tok-" + path.length()), e.strings(), "registration event");
            assertEquals(List.of(), quietEvents(dom0()), "exactly one event at registration");
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
        ok(dom0().request(MKDIR, 0, KIT + "/a"), "mkdir");
        XsClient w = socketClient("watcher");
        watch(w, KIT + "/a", "t");
        write(dom0(), KIT + "/a/x", "1");
        ok(dom0().request(MKDIR, 0, KIT + "/a/m"), "mkdir");
        ok(dom0().request(SET_PERMS, 0, KIT + "/a/x", "n0", "r1"), "set_perms");
        ok(dom0().request(RM, 0, KIT + "/a/m"), "rm");
        write(dom0(), KIT + "/ab", "sibling with a common prefix");
        write(dom0(), KIT + "/b/c", "elsewhere");
        List<String> events = eventsAwaiting(w, List.of(KIT + "/a/x|t", KIT + "/a/m|t", KIT + "/a/x|t", KIT + "/a/m|t"));
        for (String expected : List.of("/a/x", "/a/m", "/a/x", "/a/m")) {
            assertTrue(events.remove(KIT + expected + "|t"), "missing event for " + expected + "; got " + events);
        }
        assertEquals(List.of(), events, "no events outside the watched subtree");
        write(dom0(), KIT + "/r/s/t", "v");
        watch(w, KIT + "/r/s/t", "deep");
        ok(dom0().request(RM, 0, KIT + "/r"), "rm of an ancestor");
        assertTrue(eventsAwaiting(w, List.of(KIT + "/r/s/t|deep")).contains(KIT + "/r/s/t|deep"),
                "removal of an ancestor fires with the watched path");
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
        ok(dom0().request(MKDIR, 0, KIT + "/t"), "mkdir");
        watch(w, KIT + "/t", "t");
        int tx = Integer.parseUnsignedInt(ok(dom0().request(TRANSACTION_START, 0, ""), "start").text());
        ok(dom0().request(WRITE.code(), tx, bytes(KIT + "/t/x\0in tx")), "write in transaction");
        assertEquals(List.of(), quietEvents(w), "no event before commit");
        ok(dom0().request(TRANSACTION_END, tx, "T"), "commit");
        assertTrue(eventsAwaiting(w, List.of(KIT + "/t/x|t")).contains(KIT + "/t/x|t"), "event at commit");
        int tx2 = Integer.parseUnsignedInt(ok(dom0().request(TRANSACTION_START, 0, ""), "start").text());
        ok(dom0().request(WRITE.code(), tx2, bytes(KIT + "/t/y\0discarded")), "write in transaction");
        ok(dom0().request(TRANSACTION_END, tx2, "F"), "abort");
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
        ok(dom0().request(MKDIR, 0, dir), "mkdir");
        ok(dom0().request(SET_PERMS, 0, dir, "n0", "r" + domid(a)), "set_perms");
        ok(dom0().request(MKDIR, 0, dir + "/private"), "mkdir");
        ok(dom0().request(SET_PERMS, 0, dir + "/private", "n0"), "set_perms");
        watch(a, dir, "w");
        write(dom0(), dir + "/private", "hidden change");
        write(dom0(), dir + "/public", "visible change");
        List<String> events = eventsAwaiting(a, List.of(dir + "/public|w"));
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
        watch(dom0(), "@introduceDomain", "in");
        watch(dom0(), "@releaseDomain", "out");
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
        Assumptions.assumeTrue(xenstoreUnderTest().supportsDomainConnections(), "domain connections not supported");
        XsClient w = socketClient("watcher");
        watch(w, "@introduceDomain", "in");
        watch(w, "@releaseDomain", "out");
        XsClient a = newDomain();
        assertTrue(eventsAwaiting(w, List.of("@introduceDomain|in")).contains("@introduceDomain|in"),
                "introduction fires @introduceDomain");
        String id = Integer.toString(domid(a));
        assertEquals("T", ok(dom0().request(IS_DOMAIN_INTRODUCED, 0, id), "is_domain_introduced").text());
        ok(dom0().request(RELEASE, 0, id), "release");
        assertTrue(eventsAwaiting(w, List.of("@releaseDomain|out")).contains("@releaseDomain|out"),
                "release fires @releaseDomain");
        assertEquals("F", ok(dom0().request(IS_DOMAIN_INTRODUCED, 0, id), "is_domain_introduced").text());
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
        XsMessage start = ok(dom0().request(TRANSACTION_START, 0, ""), "transaction_start");
        assertEquals(0, start.payload()[start.payload().length - 1], "transaction id followed by a NUL");
        int tx = Integer.parseUnsignedInt(start.text());
        ok(dom0().request(WRITE.code(), tx, bytes(KIT + "/n\0new")), "write in transaction");
        assertEquals("new", ok(dom0().request(READ, tx, KIT + "/n"), "read in transaction").value(), "own write visible");
        XsClient other = socketClient("other");
        assertError("ENOENT", other.request(READ, 0, KIT + "/n"), "uncommitted write is hidden");
        ok(dom0().request(TRANSACTION_END, tx, "T"), "commit");
        assertEquals("new", read(other, KIT + "/n"), "visible after commit");

        int discard = Integer.parseUnsignedInt(ok(dom0().request(TRANSACTION_START, 0, ""), "start").text());
        ok(dom0().request(WRITE.code(), discard, bytes(KIT + "/n\0discarded")), "write");
        ok(dom0().request(TRANSACTION_END, discard, "F"), "abort");
        assertEquals("new", read(other, KIT + "/n"), "F discards");

        int conflict = Integer.parseUnsignedInt(ok(dom0().request(TRANSACTION_START, 0, ""), "start").text());
        ok(dom0().request(READ, conflict, KIT + "/n"), "read in transaction");
        ok(dom0().request(WRITE.code(), conflict, bytes(KIT + "/n\0from tx")), "write in transaction");
        ok(dom0().request(WRITE.code(), conflict, bytes(KIT + "/n2\0also from tx")), "write in transaction");
        write(other, KIT + "/n", "outside");
        assertError("EAGAIN", dom0().request(TRANSACTION_END, conflict, "T"), "commit after a conflicting write");
        assertEquals("outside", read(other, KIT + "/n"), "the failed commit applied nothing");
        assertError("ENOENT", other.request(READ, 0, KIT + "/n2"), "the failed commit applied nothing");

        assertError("ENOENT", dom0().request(READ, 0xDEAD, KIT + "/n"), "read with an unknown tx_id");
        assertError("ENOENT", dom0().request(TRANSACTION_END, 0xDEAD, "T"), "end of an unknown transaction");
        assertError("ENOENT", dom0().request(TRANSACTION_END, tx, "T"), "end of an ended transaction");
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
        ok(dom0().request(MKDIR, 0, KIT + "/u"), "mkdir");
        watch(w, KIT + "/u", "one");
        watch(w, KIT + "/u", "two");
        assertError("EEXIST", w.request(WATCH, 0, KIT + "/u", "one"), "duplicate watch");
        ok(w.request(UNWATCH, 0, KIT + "/u", "one"), "unwatch");
        assertError("ENOENT", w.request(UNWATCH, 0, KIT + "/u", "one"), "unwatch of a removed watch");
        assertError("ENOENT", w.request(UNWATCH, 0, KIT + "/u", "never"), "unwatch of an unknown token");
        write(dom0(), KIT + "/u/x", "v");
        assertEquals(List.of(KIT + "/u/x|two"), eventsAwaiting(w, List.of(KIT + "/u/x|two")),
                "only the remaining watch fires");
        ok(w.request(RESET_WATCHES, 0, ""), "reset_watches");
        write(dom0(), KIT + "/u/y", "v");
        assertEquals(List.of(), quietEvents(w), "no watch fires after RESET_WATCHES");
    }
}
