package io.pvkit.hypervisor.dom0.xenstore;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.xenstore.XenstoreDomainInterfaceLayout;
import io.pvkit.abi.xenstore.XsdSockmsgType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.pvkit.abi.xenstore.XsdSockmsgType.DIRECTORY;
import static io.pvkit.abi.xenstore.XsdSockmsgType.DIRECTORY_PART;
import static io.pvkit.abi.xenstore.XsdSockmsgType.GET_DOMAIN_PATH;
import static io.pvkit.abi.xenstore.XsdSockmsgType.GET_PERMS;
import static io.pvkit.abi.xenstore.XsdSockmsgType.INTRODUCE;
import static io.pvkit.abi.xenstore.XsdSockmsgType.IS_DOMAIN_INTRODUCED;
import static io.pvkit.abi.xenstore.XsdSockmsgType.MKDIR;
import static io.pvkit.abi.xenstore.XsdSockmsgType.READ;
import static io.pvkit.abi.xenstore.XsdSockmsgType.RESET_WATCHES;
import static io.pvkit.abi.xenstore.XsdSockmsgType.RM;
import static io.pvkit.abi.xenstore.XsdSockmsgType.SET_PERMS;
import static io.pvkit.abi.xenstore.XsdSockmsgType.TRANSACTION_END;
import static io.pvkit.abi.xenstore.XsdSockmsgType.TRANSACTION_START;
import static io.pvkit.abi.xenstore.XsdSockmsgType.UNWATCH;
import static io.pvkit.abi.xenstore.XsdSockmsgType.WATCH;
import static io.pvkit.abi.xenstore.XsdSockmsgType.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * xenstored over its tools socket (as domain 0) and over guests' rings in real memory (the test plays the
 * guest with raw frames and services the ring as domain 0 would).
 */
class XenstoredTest {
    @TempDir
    Path dir;
    private Xenstored xsd;
    private XenstoreSocketServer server;
    private WireClient.Socket dom0;
    private final List<GuestMemory> pages = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        xsd = new Xenstored(XenstoreLimits.defaults());
        server = xsd.listen(dir.resolve("socket"));
        dom0 = new WireClient.Socket(server.path());
    }

    @AfterEach
    void stop() {
        dom0.close();
        server.close();
        pages.forEach(GuestMemory::close);
    }

    /** A guest's ring connection on a real page, with its home written by "the toolstack" as in the builder. */
    private final class Guest {
        final GuestMemory page = GuestMemory.allocate(1);
        final RingConnection ring;
        final WireClient.Ring client;
        int notified;

        Guest(int domid) {
            pages.add(page);
            String home = "/local/domain/" + domid;
            dom0.ok(MKDIR, 0, home + "\0");
            dom0.ok(SET_PERMS, 0, home + "\0n" + domid + "\0");
            ring = xsd.attachRing(domid, page.segment(), () -> notified++);
            client = new WireClient.Ring(page, ring::service);
        }
    }

    @Test
    void shouldServeEveryOperationOverTheSocket() {
        assertEquals("OK\0", dom0.ok(WRITE, 0, "/a/b/c\0hello"));
        assertEquals("hello", dom0.ok(READ, 0, "/a/b/c\0"));
        assertEquals("", dom0.ok(READ, 0, "/a/b\0"), "intermediate nodes are created empty");
        assertEquals("b\0", dom0.ok(DIRECTORY, 0, "/a\0"));
        assertEquals("OK\0", dom0.ok(MKDIR, 0, "/a/d\0"));
        assertEquals("OK\0", dom0.ok(MKDIR, 0, "/a/d\0"), "mkdir of an existing node succeeds");
        assertEquals("b\0d\0", dom0.ok(DIRECTORY, 0, "/a\0"));
        assertEquals("n0\0", dom0.ok(GET_PERMS, 0, "/a/d\0"));
        dom0.ok(SET_PERMS, 0, "/a/d\0n5\0r6\0");
        assertEquals("n5\0r6\0", dom0.ok(GET_PERMS, 0, "/a/d\0"));
        assertEquals("OK\0", dom0.ok(RM, 0, "/a/b\0"));
        assertEquals("ENOENT", dom0.error(READ, 0, "/a/b/c\0"));
        assertEquals("OK\0", dom0.ok(RM, 0, "/a/nothing\0"), "rm of a missing child of an existing node is fine");
        assertEquals("ENOENT", dom0.error(RM, 0, "/x/y\0"));
        assertEquals("EINVAL", dom0.error(RM, 0, "/\0"));
        assertEquals("/local/domain/7\0", dom0.ok(GET_DOMAIN_PATH, 0, "7\0"));
        assertEquals("T\0", dom0.ok(IS_DOMAIN_INTRODUCED, 0, "0\0"));
        assertEquals("F\0", dom0.ok(IS_DOMAIN_INTRODUCED, 0, "9\0"));
        assertEquals("ENOSYS", dom0.error(INTRODUCE, 0, "9\0" + "123\0" + "4\0"), "no links in this daemon");
        // relative paths of the socket (domain 0) resolve under /local/domain/0
        dom0.ok(WRITE, 0, "rel\0x");
        assertEquals("x", dom0.ok(READ, 0, "/local/domain/0/rel\0"));
    }

    @Test
    void shouldAnswerDirectoryPartInChunksWithGeneration() {
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            String name = "child-with-a-long-name-" + i;
            dom0.ok(MKDIR, 0, "/big/" + name + "\0");
        }
        for (String s : new java.util.TreeSet<>(java.util.stream.IntStream.range(0, 300)
                .mapToObj(i -> "child-with-a-long-name-" + i).toList())) {
            expected.append(s).append('\0');
        }
        assertEquals("E2BIG", dom0.error(DIRECTORY, 0, "/big\0"));
        StringBuilder got = new StringBuilder();
        String gen = null;
        int offset = 0;
        for (int part = 0; part < 10; part++) {
            String reply = dom0.ok(DIRECTORY_PART, 0, "/big\0" + offset + "\0");
            int nul = reply.indexOf('\0');
            String g = reply.substring(0, nul);
            if (gen != null) {
                assertEquals(gen, g, "generation stable while unchanged");
            }
            gen = g;
            String names = reply.substring(nul + 1);
            assertTrue(reply.length() <= 4096);
            if (names.endsWith("\0\0") || names.equals("\0")) {
                got.append(names, 0, names.length() - 1);
                break;
            }
            got.append(names);
            offset += names.length();
        }
        assertEquals(expected.toString(), got.toString());
    }

    @Test
    void shouldAnswerMalformedRequestsWithXenErrorNames() {
        assertEquals("EINVAL", dom0.error(READ, 0, "/no-nul"), "missing NUL");
        assertEquals("EINVAL", dom0.error(READ, 0, "\0"), "empty path");
        assertEquals("EINVAL", dom0.error(READ, 0, "/a//b\0"));
        assertEquals("EINVAL", dom0.error(READ, 0, "/a/\0"), "trailing slash");
        assertEquals("EINVAL", dom0.error(READ, 0, "/a b\0"), "bad character");
        assertEquals("EINVAL", dom0.error(WRITE, 0, "/no-nul-at-all"));
        assertEquals("EINVAL", dom0.error(WATCH, 0, "/a\0"), "watch needs a token");
        assertEquals("EINVAL", dom0.error(TRANSACTION_END, 0, "X\0"));
        assertEquals("ENOENT", dom0.error(TRANSACTION_END, 0, "T\0"), "no such transaction");
        assertEquals("ENOENT", dom0.error(READ, 77, "/\0"), "unknown transaction id");
        assertEquals("EINVAL", dom0.error(GET_DOMAIN_PATH, 0, "12x\0"));
        assertEquals("ENOSYS", dom0.call(999, 0, WireClient.bytes("\0")).error(), "unknown type");
        assertEquals("ENOSYS", dom0.call(XsdSockmsgType.CONTROL.code(), 0, WireClient.bytes("print\0")).error());
        assertEquals("EINVAL", dom0.error(READ, 0, "/" + "a".repeat(2100) + "\0"), "path longer than 2048");
        // still serving after all of that
        assertEquals("OK\0", dom0.ok(WRITE, 0, "/ok\0fine"));
    }

    @Test
    void shouldCloseASocketConnectionWhoseLengthExceedsThePayloadLimit() {
        try (WireClient.Socket bad = new WireClient.Socket(server.path())) {
            bad.send(WireClient.frame(READ.code(), 1, 0, new byte[0]));   // harmless
            byte[] header = WireClient.frame(WRITE.code(), 2, 0, new byte[0]);
            header[12] = 0x01;
            header[13] = 0x10; // len = 4097
            bad.send(header);
            assertTrue(bad.closedByServer(2000));
        }
        assertEquals("OK\0", dom0.ok(WRITE, 0, "/still\0up"));
    }

    @Test
    void shouldFireWatchesAtRegistrationAndOnChangesBelowThePath() {
        dom0.ok(WATCH, 0, "/w\0tok\0");
        assertEquals("/w\0tok\0", dom0.event(2000).text(), "fires once at registration, even for a missing node");
        dom0.ok(WRITE, 0, "/w/x/y\0v");
        List<String> seen = new ArrayList<>();
        WireClient.Frame e;
        while ((e = dom0.event(200)) != null) {
            seen.add(e.text());
        }
        assertEquals(List.of("/w/x/y\0tok\0"), seen, "one event for the written path, not for created parents (C xenstored)");
        dom0.ok(WRITE, 0, "/other\0v");
        assertNull(dom0.event(200), "no event outside the watched subtree");
        dom0.ok(WATCH, 0, "/w/x/y/z\0deep\0");
        assertEquals("/w/x/y/z\0deep\0", dom0.event(2000).text());
        dom0.ok(RM, 0, "/w/x\0");
        seen.clear();
        while ((e = dom0.event(200)) != null) {
            seen.add(e.text());
        }
        assertTrue(seen.contains("/w/x\0tok\0"), seen.toString());
        assertTrue(seen.contains("/w/x/y/z\0deep\0"), "removing an ancestor fires watches below: " + seen);
        assertEquals("EEXIST", dom0.error(WATCH, 0, "/w\0tok\0"));
        dom0.ok(UNWATCH, 0, "/w\0tok\0");
        assertEquals("ENOENT", dom0.error(UNWATCH, 0, "/w\0tok\0"));
        dom0.ok(WRITE, 0, "/w/again\0v");
        assertNull(dom0.event(200));
        dom0.ok(RESET_WATCHES, 0, "\0");
        dom0.ok(WRITE, 0, "/w/x/y/z\0v");
        assertNull(dom0.event(200), "reset dropped every watch");
    }

    @Test
    void shouldFireWatchesOnlyAtCommitAndFailAConflictingCommitWithEagain() {
        dom0.ok(WRITE, 0, "/t/a\0one");
        dom0.ok(WATCH, 0, "/t\0tok\0");
        dom0.event(2000);
        int tx = Integer.parseInt(dom0.ok(TRANSACTION_START, 0, "\0").replace("\0", ""));
        assertTrue(tx != 0);
        assertEquals("one", dom0.ok(READ, tx, "/t/a\0"));
        dom0.ok(WRITE, tx, "/t/b\0two");
        assertEquals("two", dom0.ok(READ, tx, "/t/b\0"), "the transaction sees its own write");
        assertEquals("ENOENT", dom0.error(READ, 0, "/t/b\0"), "others do not before commit");
        assertNull(dom0.event(200), "no event before commit");
        dom0.ok(TRANSACTION_END, tx, "T\0");
        assertEquals("/t/b\0tok\0", dom0.event(2000).text(), "fires at commit");
        assertEquals("two", dom0.ok(READ, 0, "/t/b\0"));

        int t2 = Integer.parseInt(dom0.ok(TRANSACTION_START, 0, "\0").replace("\0", ""));
        dom0.ok(READ, t2, "/t/a\0");
        dom0.ok(WRITE, t2, "/t/c\0three");
        dom0.ok(WRITE, 0, "/t/a\0changed"); // someone else changes what t2 read
        drain(dom0);
        assertEquals("EAGAIN", dom0.error(TRANSACTION_END, t2, "T\0"));
        assertEquals("ENOENT", dom0.error(READ, 0, "/t/c\0"), "nothing of the conflicting transaction applied");
        assertNull(dom0.event(200), "no event from a failed commit");

        int t3 = Integer.parseInt(dom0.ok(TRANSACTION_START, 0, "\0").replace("\0", ""));
        dom0.ok(WRITE, t3, "/t/d\0x");
        dom0.ok(TRANSACTION_END, t3, "F\0");
        assertEquals("ENOENT", dom0.error(READ, 0, "/t/d\0"), "abort applies nothing");
        assertNull(dom0.event(200));
    }

    @Test
    void shouldKeepTwoGuestsApartByPermissions() {
        Guest one = new Guest(1);
        Guest two = new Guest(2);
        assertEquals("OK\0", one.client.ok(WRITE, 0, "secret\0s3cr3t"), "relative to its home");
        assertEquals("s3cr3t", dom0.ok(READ, 0, "/local/domain/1/secret\0"));
        assertEquals("n1\0", dom0.ok(GET_PERMS, 0, "/local/domain/1/secret\0"), "the creator owns a new node");
        assertEquals("EACCES", two.client.error(READ, 0, "/local/domain/1/secret\0"));
        assertEquals("EACCES", two.client.error(WRITE, 0, "/local/domain/1/secret\0x"));
        assertEquals("EACCES", two.client.error(DIRECTORY, 0, "/local/domain/1\0"));
        assertEquals("EACCES", two.client.error(GET_PERMS, 0, "/local/domain/1/secret\0"));
        assertEquals("EACCES", two.client.error(READ, 0, "/local/domain/1/missing\0"), "no leak about what exists");
        assertEquals("EACCES", two.client.error(WRITE, 0, "/local/domain/1/new\0x"));
        assertEquals("EACCES", two.client.error(SET_PERMS, 0, "/local/domain/1/secret\0b2\0"));
        assertEquals("EACCES", two.client.error(MKDIR, 0, "/tool\0"), "the root is dom0's");
        assertEquals("EACCES", two.client.error(INTRODUCE, 0, "3\0" + "1\0" + "1\0"));
        two.client.ok(WATCH, 0, "/local/domain/1\0spy\0");
        assertNotNull(two.client.event(2000), "fires at registration");
        one.client.ok(WRITE, 0, "secret\0changed");
        assertNull(two.client.event(200), "no event for a node the watcher cannot read");
        // the owner grants read to domain 2
        assertEquals("EPERM", one.client.error(SET_PERMS, 0, "secret\0n2\0"), "only privileged domains give nodes away");
        one.client.ok(SET_PERMS, 0, "secret\0n1\0r2\0");
        assertEquals("changed", two.client.ok(READ, 0, "/local/domain/1/secret\0"));
        assertEquals("/local/domain/1/secret\0spy\0", two.client.event(2000).text(), "set_perms is a change it may now read");
        assertEquals("EACCES", two.client.error(WRITE, 0, "/local/domain/1/secret\0x"), "r is not w");
        // relative watch paths give relative events
        one.client.ok(WATCH, 0, "secret\0mine\0");
        assertEquals("secret\0mine\0", one.client.event(2000).text());
        one.client.ok(WRITE, 0, "secret\0again");
        assertEquals("secret\0mine\0", one.client.event(2000).text());
    }

    @Test
    void shouldFireSpecialWatchesForPrivilegedWatchersOnly() {
        dom0.ok(WATCH, 0, "@introduceDomain\0intro\0");
        dom0.ok(WATCH, 0, "@releaseDomain\0rel\0");
        assertEquals("@introduceDomain\0intro\0", dom0.event(2000).text());
        assertEquals("@releaseDomain\0rel\0", dom0.event(2000).text());
        Guest one = new Guest(1);
        assertEquals("@introduceDomain\0intro\0", dom0.event(2000).text());
        assertEquals("T\0", dom0.ok(IS_DOMAIN_INTRODUCED, 0, "1\0"));
        one.client.ok(WATCH, 0, "@releaseDomain\0r\0");
        one.client.event(2000);
        Guest two = new Guest(2);
        two.client.ok(WRITE, 0, "x\0y");
        drain(dom0);
        xsd.releaseDomain(2, true);
        assertEquals("@releaseDomain\0rel\0", dom0.event(2000).text());
        assertNull(one.client.event(200), "an unprivileged domain may not read @releaseDomain by default");
        assertEquals("ENOENT", dom0.error(READ, 0, "/local/domain/2\0"), "the home of a destroyed domain is gone");
        assertEquals("F\0", dom0.ok(IS_DOMAIN_INTRODUCED, 0, "2\0"));
        dom0.ok(SET_PERMS, 0, "@releaseDomain\0n0\0r1\0");
        assertEquals("n0\0r1\0", dom0.ok(GET_PERMS, 0, "@releaseDomain\0"));
        new Guest(3);
        xsd.releaseDomain(3, true);
        assertEquals("@releaseDomain\0r\0", one.client.event(2000).text(), "granted by the special node's perms");
    }

    private static void drain(WireClient c) {
        while (c.event(100) != null) {
            // discard
        }
    }

    @Test
    void shouldEnforceQuotasOnGuests() {
        Guest g = new Guest(1);
        // nodes per domain (the home itself counts as one of its nodes)
        int created = 0;
        String err = "";
        for (int i = 0; i < 1100 && err.isEmpty(); i++) {
            err = g.client.error(WRITE, 0, "d" + (i / 100) + "/n" + i + "\0v");
            if (err.isEmpty()) {
                created++;
            }
        }
        assertEquals("ENOSPC", err);
        assertEquals(1000, xsd.nodesOwnedBy(1));
        assertTrue(created > 980 && created < 999, "created " + created); // the d<k> directories count too
        g.client.ok(RM, 0, "d0/n5\0");
        g.client.ok(WRITE, 0, "d0/n5\0v"); // room again
        // a directory's child names count toward its size, as in C xenstored
        assertEquals("ENOSPC", g.client.error(WRITE, 0, "d1/" + "c".repeat(2040) + "\0v"));
        // node size
        assertEquals("ENOSPC", g.client.error(WRITE, 0, "d0/n6\0" + "x".repeat(2049)));
        g.client.ok(WRITE, 0, "d0/n6\0" + "x".repeat(2000));
        // dom0 is exempt
        dom0.ok(WRITE, 0, "/big\0" + "x".repeat(4000));
        // watches
        for (int i = 0; i < 128; i++) {
            g.client.ok(WATCH, 0, "w\0t" + i + "\0");
        }
        assertEquals("E2BIG", g.client.error(WATCH, 0, "w\0t128\0"));
        // transactions
        for (int i = 0; i < 10; i++) {
            g.client.ok(TRANSACTION_START, 0, "\0");
        }
        assertEquals("ENOSPC", g.client.error(TRANSACTION_START, 0, "\0"));
    }

    @Test
    void shouldStopOnlyTheGuestWhoseRingIsBroken() {
        Guest bad = new Guest(1);
        Guest good = new Guest(2);
        // a length above 4096 cannot be resynchronised: XENSTORE_ERROR_PROTO, connection stopped
        byte[] header = WireClient.frame(WRITE.code(), 1, 0, new byte[0]);
        header[12] = 0x01;
        header[13] = 0x10;
        bad.client.send(header);
        bad.ring.service();
        assertEquals(XenstoreDomainInterfaceLayout.ERROR_PROTO, bad.page.getInt(XenstoreDomainInterfaceLayout.ERROR_OFFSET));
        assertNotNull(bad.ring.broken());
        assertEquals("OK\0", good.client.ok(WRITE, 0, "fine\0yes"));

        Guest worse = new Guest(3);
        // ring garbage: a producer index far ahead of the consumer
        worse.page.setInt(XenstoreDomainInterfaceLayout.REQ_PROD_OFFSET, 0x7fff_0000);
        worse.ring.service();
        assertEquals(XenstoreDomainInterfaceLayout.ERROR_RINGIDX,
                worse.page.getInt(XenstoreDomainInterfaceLayout.ERROR_OFFSET));
        assertEquals("OK\0", good.client.ok(WRITE, 0, "still\0yes"));
        assertEquals(XenstoreDomainInterfaceLayout.SERVER_FEATURE_ERROR,
                good.page.getInt(XenstoreDomainInterfaceLayout.SERVER_FEATURES_OFFSET));
    }

    @Test
    void shouldAnswerAFloodingGuestWithErrorsWhileAnotherKeepsWorking() {
        Guest flood = new Guest(1);
        Guest other = new Guest(2);
        java.util.Random random = new java.util.Random(11);
        int errors = 0;
        for (int i = 0; i < 3000; i++) {
            WireClient.Frame f = switch (i % 6) {
                case 0 -> flood.client.call(WRITE, 0, "f" + i + "\0" + "x".repeat(4000));   // node too big
                case 1 -> flood.client.call(WRITE, 0, "g" + i + "\0v");                      // toward the quota
                case 2 -> flood.client.call(WATCH, 0, "g" + i + "\0t\0");                    // toward the watch limit
                case 3 -> flood.client.call(READ.code(), 0, WireClient.bytes("unterminated")); // no NUL
                case 4 -> {
                    byte[] junk = new byte[random.nextInt(64)];
                    random.nextBytes(junk);
                    yield flood.client.call(random.nextInt(40), 0, junk);                    // garbage requests
                }
                default -> flood.client.call(DIRECTORY, 0, "/\0");                           // root not readable
            };
            if (f.isError()) {
                errors++;
            }
            flood.client.events.clear();
            if (i % 100 == 0) {
                assertEquals("OK\0", other.client.ok(WRITE, 0, "progress\0" + i));
            }
        }
        assertTrue(errors > 1500, "errors: " + errors);
        assertTrue(xsd.nodesOwnedBy(1) <= 1000);
        assertEquals("OK\0", other.client.ok(WRITE, 0, "done\0yes"));
        assertEquals("yes", other.client.ok(READ, 0, "done\0"));
        assertTrue(flood.ring.broken() == null, "errors, not a closed connection, for well-framed requests");
    }
}
