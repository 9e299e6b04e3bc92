package io.pvkit.abi.platform;

/**
 * Console sub-ops ({@code CONSOLEIO_*} in {@code xen/xen.h}) of
 * {@code __HYPERVISOR_console_io(cmd, count, buf)}.
 */
public final class ConsoleIoOp {
    /** {@code CONSOLEIO_write}: write {@code count} bytes from {@code buf}. */
    public static final int WRITE = 0;
    /** {@code CONSOLEIO_read}: read up to {@code count} bytes; returns the number read. */
    public static final int READ = 1;

    private ConsoleIoOp() {
    }
}
