package io.pvkit.xenbus;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One entry of a node's permission list as {@code XS_GET_PERMS}/{@code XS_SET_PERMS} carry it
 * ({@code "r0"}, {@code "n5"}; Xen's docs/misc/xenstore.txt). The first entry of a list names the owner
 * and the access every domain not listed gets; the owner and domain 0 may always do everything.
 *
 * @param access the access letter
 * @param domid the domain, 0..65535
 */
public record XsPermission(Access access, int domid) {

    /** The access letters. */
    public enum Access {
        /** {@code n}: none. */
        NONE('n'),
        /** {@code r}: read. */
        READ('r'),
        /** {@code w}: write. */
        WRITE('w'),
        /** {@code b}: both read and write. */
        BOTH('b');

        private final char letter;

        Access(char letter) {
            this.letter = letter;
        }

        /**
         * The letter on the wire.
         *
         * @return {@code n}, {@code r}, {@code w} or {@code b}
         */
        public char letter() {
            return letter;
        }

        static Access ofLetter(char c) {
            for (Access a : values()) {
                if (a.letter == c) {
                    return a;
                }
            }
            return null;
        }
    }

    /**
     * Validates the entry.
     *
     * @param access the access letter
     * @param domid 0..65535
     */
    public XsPermission {
        Objects.requireNonNull(access, "access");
        if (domid < 0 || domid > 0xFFFF) {
            throw new IllegalArgumentException("domid must be 0..65535: " + domid);
        }
    }

    /**
     * The wire form.
     *
     * @return e.g. {@code "r5"}
     */
    public String text() {
        return access.letter + Integer.toString(domid);
    }

    /**
     * Parses one wire entry.
     *
     * @param text e.g. {@code "b0"} (untrusted)
     * @return the entry, or null when {@code text} is not a permission
     */
    static XsPermission parse(String text) {
        if (text.length() < 2 || text.length() > 6) {
            return null;
        }
        Access a = Access.ofLetter(text.charAt(0));
        if (a == null) {
            return null;
        }
        int domid = 0;
        for (int i = 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
            domid = domid * 10 + (c - '0');   // at most 5 digits: no overflow
        }
        return domid > 0xFFFF ? null : new XsPermission(a, domid);
    }

    /**
     * Parses the NUL-separated strings of a {@code XS_GET_PERMS} reply.
     *
     * @param entries the strings (untrusted)
     * @return the list, or null when any entry is malformed or there is none
     */
    static List<XsPermission> parseAll(List<String> entries) {
        if (entries.isEmpty()) {
            return null;
        }
        List<XsPermission> out = new ArrayList<>(entries.size());
        for (String e : entries) {
            XsPermission p = parse(e);
            if (p == null) {
                return null;
            }
            out.add(p);
        }
        return List.copyOf(out);
    }
}
