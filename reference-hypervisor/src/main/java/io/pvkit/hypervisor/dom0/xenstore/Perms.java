package io.pvkit.hypervisor.dom0.xenstore;

import io.pvkit.abi.xenstore.XsError;

import java.util.ArrayList;
import java.util.List;

/**
 * A node's permission list as Xen defines it ({@code docs/misc/xenstore.txt}, "PERMISSIONS"): the first
 * entry names the owner and, with its letter, what every domain not listed may do; later entries grant a
 * listed domain {@code n} (none), {@code r} (read), {@code w} (write) or {@code b} (both). The owner and
 * privileged connections may do everything. Immutable.
 *
 * @param entries at least one entry, the owner first
 */
record Perms(List<Perm> entries) {
    static final int READ = 1;
    static final int WRITE = 2;
    static final int OWNER = 4;
    static final int ALL = READ | WRITE | OWNER;

    /** Dom0 owns, nobody else may do anything: the root's and special nodes' default. */
    static final Perms DOM0_ONLY = new Perms(List.of(new Perm(0, 'n')));

    /**
     * One entry.
     *
     * @param domid the domain
     * @param kind one of {@code n r w b}
     */
    record Perm(int domid, char kind) {
        int bits() {
            return switch (kind) {
                case 'r' -> READ;
                case 'w' -> WRITE;
                case 'b' -> READ | WRITE;
                default -> 0;
            };
        }

        @Override
        public String toString() {
            return kind + Integer.toString(domid);
        }
    }

    Perms {
        entries = List.copyOf(entries);
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("no owner");
        }
    }

    int owner() {
        return entries.getFirst().domid();
    }

    Perms withOwner(int domid) {
        List<Perm> copy = new ArrayList<>(entries);
        copy.set(0, new Perm(domid, entries.getFirst().kind()));
        return new Perms(copy);
    }

    /** What a caller may do: {@link #READ}, {@link #WRITE}, {@link #OWNER} bits. */
    int access(Caller caller) {
        if (caller.privileged() || caller.domid() == owner()) {
            return ALL;
        }
        for (int i = 1; i < entries.size(); i++) {
            if (entries.get(i).domid() == caller.domid()) {
                return entries.get(i).bits();
            }
        }
        return entries.getFirst().bits();
    }

    /**
     * Parses the strings of a {@code SET_PERMS} request.
     *
     * @param texts each "{letter}{domid}" (untrusted)
     * @return the permissions
     * @throws XenstoreException {@code EINVAL} for a malformed entry or an empty list
     */
    static Perms parse(List<String> texts) {
        if (texts.isEmpty()) {
            throw new XenstoreException(XsError.EINVAL);
        }
        List<Perm> out = new ArrayList<>(texts.size());
        for (String t : texts) {
            if (t.length() < 2 || t.length() > 6 || "nrwb".indexOf(t.charAt(0)) < 0) {
                throw new XenstoreException(XsError.EINVAL);
            }
            int id = 0;
            for (int i = 1; i < t.length(); i++) {
                char c = t.charAt(i);
                if (c < '0' || c > '9') {
                    throw new XenstoreException(XsError.EINVAL);
                }
                id = id * 10 + (c - '0');
            }
            if (id > 0xFFFF) {
                throw new XenstoreException(XsError.EINVAL);
            }
            out.add(new Perm(id, t.charAt(0)));
        }
        return new Perms(out);
    }

    /** The wire form of {@code GET_PERMS}: each entry followed by a NUL. */
    String wire() {
        StringBuilder b = new StringBuilder();
        for (Perm p : entries) {
            b.append(p).append('\0');
        }
        return b.toString();
    }
}
