package io.pvkit.hypervisor.dom0;

import io.pvkit.rings.ByteStreamLayout;
import io.pvkit.rings.ByteStreamReader;
import io.pvkit.rings.ByteStreamWriter;
import io.pvkit.rings.RingBrokenException;
import io.pvkit.abi.memory.GuestMemory;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * The console backend's state for one guest (xenconsoled's {@code struct domain}): the mapped
 * {@code xencons_interface} page, the output ring reader, the input ring writer, the bound port, and the
 * line being assembled.
 *
 * <p>Trust: the page is guest-writable. The reader keeps its own consumer index and validates the guest's
 * producer index on every read ({@code prod - cons > 2048} breaks the ring); a broken ring, or a page that
 * died because the guest was destroyed, ends this guest's console only: the connection is marked broken
 * and never touched again. Output is drained at most {@value #DRAIN_BUDGET} bytes per turn, so a guest
 * that floods its console cannot starve the others.
 */
final class ConsoleConnection {
    /** Bytes drained per turn. */
    static final int DRAIN_BUDGET = 8192;
    /** A line longer than this is emitted in pieces. */
    static final int MAX_LINE = 4096;

    final int domid;
    final String name;
    final int handle;
    final long hostAddr;
    int localPort;
    private final ByteStreamReader out;
    private final ByteStreamWriter in;
    private final ConsoleLog log;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final MemorySegment buffer = MemorySegment.ofArray(new byte[2048]);
    private byte[] pendingInput = new byte[0];
    private String broken;

    ConsoleConnection(int domid, String name, int handle, long hostAddr, MemorySegment page, ConsoleLog log) {
        this.domid = domid;
        this.name = name;
        this.handle = handle;
        this.hostAddr = hostAddr;
        this.log = log;
        GuestMemory shared = GuestMemory.wrap(page);
        this.out = ByteStreamReader.attach(shared, ByteStreamLayout.CONSOLE_OUT);
        this.in = ByteStreamWriter.attach(shared, ByteStreamLayout.CONSOLE_IN);
    }

    /** @return why the console stopped, or null while it works */
    String broken() {
        return broken;
    }

    /**
     * Drains up to {@link #DRAIN_BUDGET} bytes of output and pushes pending input.
     *
     * @return {@code [more output may be waiting, the guest should be notified]}
     */
    boolean[] service() {
        if (broken != null) {
            return new boolean[] {false, false};
        }
        boolean notify = false;
        try {
            int total = 0;
            int n;
            while (total < DRAIN_BUDGET && (n = out.read(buffer, 0, (int) buffer.byteSize())) > 0) {
                total += n;
                consume(n);
                notify = true;
            }
            if (pendingInput.length > 0) {
                int w = in.write(MemorySegment.ofArray(pendingInput), 0, pendingInput.length);
                if (w > 0) {
                    pendingInput = java.util.Arrays.copyOfRange(pendingInput, w, pendingInput.length);
                    notify = true;
                }
            }
            return new boolean[] {total >= DRAIN_BUDGET, notify};
        } catch (RingBrokenException e) {
            fail("console ring broken: " + e.getMessage());
        } catch (IllegalStateException e) {
            fail("console page gone: " + e.getMessage()); // the mapping was revoked (guest destroyed)
        }
        return new boolean[] {false, false};
    }

    /**
     * Queues input for the guest (written at the next {@link #service()}).
     *
     * @param bytes the input
     */
    void input(byte[] bytes) {
        byte[] next = java.util.Arrays.copyOf(pendingInput, pendingInput.length + bytes.length);
        System.arraycopy(bytes, 0, next, pendingInput.length, bytes.length);
        pendingInput = next;
    }

    /** Emits the partial line, if any (at release). */
    void flush() {
        if (line.size() > 0) {
            emit();
        }
    }

    private void consume(int n) {
        for (int i = 0; i < n; i++) {
            byte b = buffer.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i);
            if (b == '\n') {
                emit();
            } else if (b != '\r') {
                line.write(b);
                if (line.size() >= MAX_LINE) {
                    emit();
                }
            }
        }
    }

    private void emit() {
        log.line(name, line.toString(StandardCharsets.UTF_8));
        line.reset();
    }

    private void fail(String why) {
        broken = why;
        flush();
    }
}
