package io.pvkit.hypervisor.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * One domain's {@code CONSOLEIO_write} output: filtered like Xen's {@code guest_console_write} (an
 * unprivileged domain's control characters other than newline and tab are dropped), cut into lines (a line
 * longer than {@value #MAX_LINE} bytes is emitted in pieces) and kept, raw, in a bounded history for
 * tools and the conformance kit.
 */
public final class HypervisorConsoleBuffer {
    /** The longest line kept before it is emitted without a newline. */
    public static final int MAX_LINE = 1024;
    /** The bytes of raw history kept (the oldest are dropped). */
    public static final int HISTORY = 64 * 1024;

    private final String name;
    private final boolean privileged;
    private final ConsoleLines out;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final byte[] history = new byte[HISTORY];
    private long total;

    /**
     * A buffer for one domain.
     *
     * @param name the domain's name
     * @param privileged whether control characters are kept
     * @param out where lines go
     */
    public HypervisorConsoleBuffer(String name, boolean privileged, ConsoleLines out) {
        this.name = name;
        this.privileged = privileged;
        this.out = out;
    }

    /**
     * Appends bytes the domain wrote.
     *
     * @param bytes a private copy of the guest's buffer
     * @param length how many bytes of it are valid
     */
    public synchronized void write(byte[] bytes, int length) {
        appendHistory(bytes, length);
        for (int i = 0; i < length; i++) {
            byte b = bytes[i];
            if (b == '\n') {
                flushLine();
            } else if (privileged || b == '\t' || (b >= 0x20 && b < 0x7F)) {
                line.write(b);
                if (line.size() >= MAX_LINE) {
                    flushLine();
                }
            }
        }
    }

    private void flushLine() {
        out.line(name, line.toString(StandardCharsets.UTF_8));
        line.reset();
    }

    private void appendHistory(byte[] bytes, int length) {
        int from = Math.max(0, length - HISTORY);
        for (int i = from; i < length; i++) {
            history[(int) ((total + i - from) % HISTORY)] = bytes[i];
        }
        total += length - from;
    }

    /** @return a copy of the raw bytes written (the last {@value #HISTORY}) */
    public synchronized byte[] history() {
        int n = (int) Math.min(total, HISTORY);
        byte[] copy = new byte[n];
        for (int i = 0; i < n; i++) {
            copy[i] = history[(int) ((total - n + i) % HISTORY)];
        }
        return copy;
    }
}
