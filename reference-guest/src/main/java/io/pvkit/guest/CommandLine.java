package io.pvkit.guest;

import io.pvkit.abi.evtchn.SharedInfoLayout;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The guest's command line ({@code start_info.cmd_line}): space-separated words, each {@code key=value}
 * or a bare {@code key} (value ""), the last occurrence of a key winning as in Linux. pvkit's domain
 * builder always passes {@value #NAME_KEY} (the domain's name) and {@value #ECHO_KEY} (the port of the
 * echo channel to domain 0); both are required.
 *
 * <p>Immutable. The text is already validated as printable ASCII of at most
 * {@link io.pvkit.abi.platform.StartInfoLayout#MAX_GUEST_CMDLINE}{@code - 1} characters by
 * {@link StartInfo}, so the number of words is bounded.
 */
public final class CommandLine {
    /** The key of the domain's name. */
    public static final String NAME_KEY = "pvkit.name";
    /** The key of the echo port. */
    public static final String ECHO_KEY = "pvkit.echo";

    private final String text;
    private final Map<String, String> words;
    private final String name;
    private final int echoPort;

    private CommandLine(String text, Map<String, String> words, String name, int echoPort) {
        this.text = text;
        this.words = words;
        this.name = name;
        this.echoPort = echoPort;
    }

    /**
     * Parses and validates a command line.
     *
     * @param text the command line, without its terminating NUL
     * @return the parsed command line
     * @throws BootException when {@value #NAME_KEY} is missing or empty, or {@value #ECHO_KEY} is missing
     *     or not a port number 1..4095
     */
    public static CommandLine parse(String text) throws BootException {
        Map<String, String> words = new LinkedHashMap<>();
        for (String word : text.split(" ")) {
            if (word.isEmpty()) {
                continue;
            }
            int eq = word.indexOf('=');
            String key = eq < 0 ? word : word.substring(0, eq);
            if (key.isEmpty()) {
                throw new BootException("cmd_line: word '" + word + "' has no key");
            }
            words.remove(key);   // the last occurrence wins and keeps its position
            words.put(key, eq < 0 ? "" : word.substring(eq + 1));
        }
        String name = words.get(NAME_KEY);
        if (name == null || name.isEmpty()) {
            throw new BootException("cmd_line: " + NAME_KEY + "=<name> is missing in '" + text + "'");
        }
        return new CommandLine(text, Collections.unmodifiableMap(words), name, port(words, ECHO_KEY, text));
    }

    private static int port(Map<String, String> words, String key, String text) throws BootException {
        String value = words.get(key);
        if (value == null) {
            throw new BootException("cmd_line: " + key + "=<port> is missing in '" + text + "'");
        }
        // UNTRUSTED: at most 4 decimal digits, so no overflow; 0 is never a valid port
        if (value.isEmpty() || value.length() > 4 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new BootException("cmd_line: " + key + "=" + value + " is not a port number");
        }
        int port = Integer.parseInt(value);
        if (port < 1 || port >= SharedInfoLayout.NR_2L_CHANNELS) {
            throw new BootException("cmd_line: " + key + "=" + port + " is outside 1.."
                    + (SharedInfoLayout.NR_2L_CHANNELS - 1));
        }
        return port;
    }

    /**
     * The value of a word.
     *
     * @param key the key
     * @return the value ("" for a bare word), or empty when the key is absent
     */
    public Optional<String> get(String key) {
        return Optional.ofNullable(words.get(key));
    }

    /**
     * Every word, in order of last occurrence.
     *
     * @return an unmodifiable map of key to value
     */
    public Map<String, String> words() {
        return words;
    }

    /**
     * The domain's name ({@value #NAME_KEY}).
     *
     * @return a non-empty name
     */
    public String name() {
        return name;
    }

    /**
     * The guest's end of the echo channel to domain 0 ({@value #ECHO_KEY}).
     *
     * @return a port 1..4095
     */
    public int echoPort() {
        return echoPort;
    }

    @Override
    public String toString() {
        return text;
    }
}
