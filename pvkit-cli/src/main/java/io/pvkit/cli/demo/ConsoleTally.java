package io.pvkit.cli.demo;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The hypervisor's console sink during a demo: counts the lines dom0's console backend logged per domain
 * (each line arrives as {@code "name| text"}).
 */
final class ConsoleTally implements Consumer<String> {

    private final Map<String, LongAdder> lines = new ConcurrentHashMap<>();

    @Override
    public void accept(String line) {
        int bar = line.indexOf('|');
        String name = bar < 0 ? "?" : line.substring(0, bar).strip();
        lines.computeIfAbsent(name, n -> new LongAdder()).increment();
    }

    /**
     * Lines logged for a domain so far.
     *
     * @param name the domain's name
     * @return the count
     */
    long lines(String name) {
        LongAdder n = lines.get(name);
        return n == null ? 0 : n.sum();
    }
}
