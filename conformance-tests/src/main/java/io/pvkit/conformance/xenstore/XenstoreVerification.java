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
public abstract class XenstoreVerification extends XenstoreWatchVerification {
    /** For subclasses. */
    protected XenstoreVerification() {
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
        ok(dom0().request(WRITE.code(), 0, max), "write with a 4096-byte payload");
        assertEquals(XsdSockmsgLayout.PAYLOAD_MAX - path.length() - 1, ok(dom0().request(READ, 0, path), "read")
                .payload().length, "value length");
        for (int len : new int[] {XsdSockmsgLayout.PAYLOAD_MAX + 1, 0x7FFF_FFFF, -1}) {
            XsClient bad = socketClient("oversized " + Integer.toUnsignedString(len));
            byte[] payload = len == XsdSockmsgLayout.PAYLOAD_MAX + 1 ? over(KIT + "/over", len) : new byte[0];
            bad.sendRaw(XsClient.encode(WRITE.code(), 77, 0, len, payload));
            XsMessage r = bad.nextReply(replyTimeout());
            boolean refused = r != null && (r.type() == -1 || r.isError());
            assertTrue(refused, "len " + Integer.toUnsignedString(len) + ": expected the connection closed or an "
                    + "XS_ERROR, got " + (r == null ? "nothing within " + replyTimeout().toMillis() + " ms" : r));
            assertError("ENOENT", dom0().request(READ, 0, KIT + "/over"), "an oversized write must not be applied");
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
        write(dom0(), KIT + "/a", "v");
        XsClient c = socketClient("malformed");
        for (int type : new int[] {99, 20, 15, 16, 65535, 0x7FFF_FFFF}) {
            XsMessage r = c.request(type, 0, XsClient.nulTerminated(KIT + "/a"));
            assertAnyError(r, "request of type " + Integer.toUnsignedString(type));
            assertEquals("v", read(c, KIT + "/a"), "the connection still works after type " + type);
        }
        assertAnyError(c.request(READ.code(), 0, bytes(KIT + "/a")), "read without a NUL");
        assertAnyError(c.request(WRITE.code(), 0, bytes(KIT + "/nonul")), "write without any NUL");
        assertError("ENOENT", dom0().request(READ, 0, KIT + "/nonul"), "a write without NUL must not be applied");
        assertEquals("v", read(c, KIT + "/a"), "the connection still works");
        assertEquals("v", read(dom0(), KIT + "/a"), "other connections still work");
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
        write(dom0(), KIT + "/a", "v");
        XsClient c = socketClient("empty payloads");
        watch(c, KIT + "/a", "w");
        for (XsdSockmsgType type : List.of(READ, WRITE, WATCH)) {
            XsMessage r = c.nextReply(Duration.ZERO);
            assertNull(r, "nothing pending before " + type);
            assertAnyError(c.request(type.code(), 0, new byte[0]), type + " with an empty payload");
            assertEquals("v", read(dom0(), KIT + "/a"), "other connections still work after an empty " + type);
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
        XsMessage p = ok(dom0().request(GET_DOMAIN_PATH, 0, "5"), "get_domain_path 5");
        assertArrayEquals(bytes("/local/domain/5\0"), p.payload(), "domain path");
        assertEquals("T", ok(dom0().request(IS_DOMAIN_INTRODUCED, 0, "0"), "is_domain_introduced 0").text());
        assertEquals("F", ok(dom0().request(IS_DOMAIN_INTRODUCED, 0, "32000"), "is_domain_introduced 32000").text());
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
        new XenstoreModelCheck(dom0(), List.of(new XenstoreModelCheck.Actor(one, 0), new XenstoreModelCheck.Actor(two, 0)),
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
        new XenstoreModelCheck(dom0(), List.of(new XenstoreModelCheck.Actor(a, domid(a)),
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
        assertEquals("F", ok(dom0().request(IS_DOMAIN_INTRODUCED, 0, "4000"), "is_domain_introduced").text());
        assertEquals("T", ok(dom0().request(IS_DOMAIN_INTRODUCED, 0, Integer.toString(domid(a))), "is_introduced").text());
    }
}
