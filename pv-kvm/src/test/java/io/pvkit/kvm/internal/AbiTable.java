package io.pvkit.kvm.internal;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.UnionLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Structures (name, size, alignment, every named field as a dotted path with offset and size) and numbers
 * (name, value), built from Java layouts and constants or from the C program's output, and compared in
 * both directions. An unnamed nested struct or union stands for C's anonymous member: its fields keep
 * the enclosing prefix.
 */
final class AbiTable {
    private final Map<String, long[]> structs = new TreeMap<>();
    private final Map<String, long[]> fields = new TreeMap<>();
    private final Map<String, Long> numbers = new TreeMap<>();

    /** Every public static final layout of the given classes, and their {@code KVM_}/{@code XEN_} numbers. */
    static AbiTable java(List<Class<?>> classes) throws IllegalAccessException {
        AbiTable t = new AbiTable();
        for (Class<?> c : classes) {
            for (Field f : c.getFields()) {
                int m = f.getModifiers();
                if (!Modifier.isStatic(m) || !Modifier.isFinal(m)) {
                    continue;
                }
                if (GroupLayout.class.isAssignableFrom(f.getType())) {
                    t.addLayout((GroupLayout) f.get(null));
                } else if ((f.getName().startsWith("KVM_") || f.getName().startsWith("XEN_"))
                        && (f.getType() == int.class || f.getType() == long.class)) {
                    long v = f.getType() == int.class ? Integer.toUnsignedLong(f.getInt(null)) : f.getLong(null);
                    t.numbers.put(f.getName(), v);
                }
            }
        }
        return t;
    }

    void addLayout(GroupLayout layout) {
        String name = layout.name().orElseThrow();
        structs.put(name, new long[] {layout.byteSize(), layout.byteAlignment()});
        flatten(name, layout, "", 0);
    }

    private void flatten(String struct, GroupLayout group, String prefix, long base) {
        long offset = 0;
        boolean union = group instanceof UnionLayout;
        for (MemoryLayout m : group.memberLayouts()) {
            long at = base + (union ? 0 : offset);
            if (!(m instanceof PaddingLayout)) {
                if (m.name().isPresent()) {
                    String path = prefix + m.name().get();
                    fields.put(struct + " " + path, new long[] {at, m.byteSize()});
                    if (m instanceof GroupLayout g) {
                        flatten(struct, g, path + ".", at);
                    }
                } else if (m instanceof GroupLayout g) {
                    flatten(struct, g, prefix, at);
                } else {
                    throw new IllegalArgumentException("unnamed member in " + struct + " at " + prefix);
                }
            }
            if (!union) {
                offset += m.byteSize();
            }
        }
    }

    /** Parses {@code struct}, {@code field} and {@code number} lines. */
    static AbiTable c(List<String> lines) {
        AbiTable t = new AbiTable();
        for (String line : lines) {
            String[] p = line.trim().split("\\s+");
            if (p.length == 4 && p[0].equals("struct")) {
                t.structs.put(p[1], new long[] {Long.parseLong(p[2]), Long.parseLong(p[3])});
            } else if (p.length == 5 && p[0].equals("field")) {
                t.fields.put(p[1] + " " + p[2], new long[] {Long.parseLong(p[3]), Long.parseLong(p[4])});
            } else if (p.length == 3 && p[0].equals("number")) {
                t.numbers.put(p[1], Long.parseUnsignedLong(p[2]));
            } else if (!line.isBlank()) {
                throw new IllegalArgumentException("unparseable: " + line);
            }
        }
        return t;
    }

    int structCount() {
        return structs.size();
    }

    int fieldCount() {
        return fields.size();
    }

    int numberCount() {
        return numbers.size();
    }

    /** Every difference between the Java table and the C table. */
    static List<String> compare(AbiTable java, AbiTable c) {
        List<String> bad = new ArrayList<>();
        diff("struct", java.structs, c.structs, bad);
        diff("field", java.fields, c.fields, bad);
        TreeSet<String> names = new TreeSet<>(java.numbers.keySet());
        names.addAll(c.numbers.keySet());
        for (String n : names) {
            Long j = java.numbers.get(n);
            Long k = c.numbers.get(n);
            if (j == null || k == null) {
                bad.add("number " + n + (j == null ? ": only in C" : ": only in Java"));
            } else if (!j.equals(k)) {
                bad.add("number " + n + ": Java 0x" + Long.toHexString(j) + " != C 0x" + Long.toHexString(k));
            }
        }
        return bad;
    }

    private static void diff(String kind, Map<String, long[]> java, Map<String, long[]> c, List<String> bad) {
        TreeSet<String> keys = new TreeSet<>(java.keySet());
        keys.addAll(c.keySet());
        for (String k : keys) {
            long[] j = java.get(k);
            long[] h = c.get(k);
            if (j == null || h == null) {
                bad.add(kind + " " + k + (j == null ? ": only in C" : ": only in Java"));
            } else if (j[0] != h[0] || j[1] != h[1]) {
                bad.add(kind + " " + k + ": Java " + j[0] + "/" + j[1] + " != C " + h[0] + "/" + h[1]);
            }
        }
    }
}
