package io.pvkit.conformance.bytestream;

import io.pvkit.conformance.Rule;
import io.pvkit.conformance.RuleSet;

import java.util.List;

/**
 * The byte-stream ring rules (BS-01..08): the rings of xenstore ({@code io/xs_wire.h}), the PV console
 * ({@code io/console.h}) and libxenvchan, tested by {@link ByteStreamReaderVerification} and
 * {@link ByteStreamWriterVerification}.
 */
public final class ByteStreamRules implements RuleSet {

    private static final String XS_WIRE = "xen/include/public/io/xs_wire.h";
    private static final String CONSOLE = "xen/include/public/io/console.h";
    private static final List<Rule> RULES = List.of(
            Rule.must("BS-01",
                    "Byte-stream indices are free-running u32 values that are never masked when stored: a stream that "
                            + "starts near 2^32 and wraps moves exactly the bytes a stream from 0 moves, byte i living at "
                            + "data[i & (size-1)].",
                    "MASK_XENSTORE_IDX, MASK_XENCONS_IDX, DEFINE_XEN_FLEX_RING; " + XS_WIRE + "; " + CONSOLE),
            Rule.must("BS-02",
                    "A reader consumes at most prod - cons bytes, never a byte beyond the published producer index, "
                            + "and reads a full ring (prod - cons == size) completely instead of taking it for empty.",
                    "Linux drivers/xen/xenbus/xenbus_comms.c xb_read / get_input_chunk; " + XS_WIRE),
            Rule.must("BS-03",
                    "A writer never overwrites unconsumed bytes: it writes at most size - (prod - cons) bytes, and "
                            + "a full ring accepts nothing.",
                    "Linux xenbus_comms.c xb_write / get_output_chunk; Xen tools/console/daemon/io.c; " + XS_WIRE),
            Rule.must("BS-04",
                    "A peer index that makes prod - cons exceed the ring size (modulo 2^32, including a peer index "
                            + "that moved backwards) breaks the ring: the side moves no byte, publishes no index and "
                            + "reports BROKEN.",
                    "Linux xenbus_comms.c check_indexes (XENSTORE_RING_SIZE); libxenvchan 7d66a4ba69; XSA-155"),
            Rule.must("BS-05",
                    "Once a byte-stream side has marked its ring broken it stays broken: later calls move nothing, "
                            + "write nothing to the shared page and report BROKEN, even when the peer restores valid "
                            + "indices.",
                    "Linux xenbus_comms.c (a corrupt ring resets the connection); XSA-376 (no recovery without reconnect)"),
            Rule.must("BS-06",
                    "Each side reads the peer's index (prod in a reader, cons in a writer) once per read or write call "
                            + "into a local and validates that copy.",
                    "XSA-155 / CVE-2015-8550; libxenvchan 7d66a4ba69 (read prod/cons only once)"),
            Rule.must("BS-07",
                    "A side publishes its index only after its copy of the data completed (a fault during the copy "
                            + "publishes nothing), and notifies the peer only after publishing and only when it moved bytes.",
                    "Linux xenbus_comms.c xb_write (virt_wmb; req_prod += n; notify) and xb_read (virt_mb; "
                            + "rsp_cons += n; notify); " + XS_WIRE),
            Rule.should("BS-08",
                    "A side refuses to attach (IllegalArgumentException) to shared memory that does not hold its whole "
                            + "ring (the data array and both indices), instead of faulting on a later access, and "
                            + "attaches to memory that holds the ring exactly.",
                    "Linux xenbus_comms.c and libxenvchan map exactly the ring's page(s); XSA-155 (validate what the "
                            + "peer's layout implies before use); " + XS_WIRE + "; " + CONSOLE));

    /** Creates the rule set (the catalogue does this once). */
    public ByteStreamRules() {
    }

    @Override
    public String area() {
        return "Byte-stream rings";
    }

    @Override
    public List<Rule> rules() {
        return RULES;
    }
}
