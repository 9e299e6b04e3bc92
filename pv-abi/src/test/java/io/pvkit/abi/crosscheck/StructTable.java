package io.pvkit.abi.crosscheck;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A table of structures: name, size, alignment and every named field (nested structs and unions as
 * dotted paths) with offset and size. Built either from Java layouts or from the C program's output,
 * and compared with {@link #compare(StructTable, StructTable)}.
 */
final class StructTable {
    /** One field: byte offset from the start of the structure and byte size. */
    record Field(long offset, long size) {
    }

    /** One structure. */
    record Struct(String name, long size, long align, Map<String, Field> fields) {
    }

    /** Result of a comparison: every mismatch and how much was compared. */
    record Comparison(List<String> mismatches, int structsCompared, int fieldsCompared) {
        boolean matches() {
            return mismatches.isEmpty();
        }
    }

    private final Map<String, Struct> structs = new TreeMap<>();

    Map<String, Struct> structs() {
        return Collections.unmodifiableMap(structs);
    }

    /**
     * Adds a Java layout under its name.
     *
     * @throws IllegalArgumentException when the layout or a member (other than padding) has no name, or
     *         a different layout with the same name is already present
     */
    void addJava(GroupLayout layout) {
        String name = layout.name().orElseThrow(() -> new IllegalArgumentException("unnamed layout " + layout));
        Map<String, Field> fields = new LinkedHashMap<>();
        flatten(name, layout, "", 0, fields);
        Struct s = new Struct(name, layout.byteSize(), layout.byteAlignment(), fields);
        Struct old = structs.putIfAbsent(name, s);
        if (old != null && !old.equals(s)) {
            throw new IllegalArgumentException("two different layouts are named " + name);
        }
    }

    private static void flatten(String struct, GroupLayout group, String prefix, long base, Map<String, Field> out) {
        long offset = 0;
        boolean union = group instanceof java.lang.foreign.UnionLayout;
        for (MemoryLayout m : group.memberLayouts()) {
            if (!(m instanceof PaddingLayout)) {
                String n = m.name().orElseThrow(() -> new IllegalArgumentException(
                        "unnamed member in " + struct + " at " + prefix));
                String path = prefix + n;
                long at = base + (union ? 0 : offset);
                out.put(path, new Field(at, m.byteSize()));
                if (m instanceof GroupLayout g) {
                    flatten(struct, g, path + ".", at, out);
                }
            }
            if (!union) {
                offset += m.byteSize();
            }
        }
    }

    /**
     * Parses the C program's output: {@code struct <name> <size> <align>} and
     * {@code field <struct> <path> <offset> <size>} lines.
     */
    static StructTable parseC(List<String> lines) {
        StructTable t = new StructTable();
        Map<String, long[]> heads = new LinkedHashMap<>();
        Map<String, Map<String, Field>> fields = new LinkedHashMap<>();
        for (String line : lines) {
            String[] p = line.trim().split("\\s+");
            if (p.length == 4 && p[0].equals("struct")) {
                heads.put(p[1], new long[] {Long.parseLong(p[2]), Long.parseLong(p[3])});
                fields.putIfAbsent(p[1], new LinkedHashMap<>());
            } else if (p.length == 5 && p[0].equals("field")) {
                fields.computeIfAbsent(p[1], k -> new LinkedHashMap<>())
                        .put(p[2], new Field(Long.parseLong(p[3]), Long.parseLong(p[4])));
            } else if (!line.isBlank()) {
                throw new IllegalArgumentException("unparseable line from the C program: " + line);
            }
        }
        for (Map.Entry<String, Map<String, Field>> e : fields.entrySet()) {
            long[] h = heads.get(e.getKey());
            if (h == null) {
                throw new IllegalArgumentException("fields without a struct line: " + e.getKey());
            }
            t.structs.put(e.getKey(), new Struct(e.getKey(), h[0], h[1], e.getValue()));
        }
        return t;
    }

    /**
     * Compares a Java table with the C table: every struct and field on either side must exist on the
     * other with equal size, alignment (structs) and offset.
     */
    static Comparison compare(StructTable java, StructTable c) {
        List<String> bad = new ArrayList<>();
        int structs = 0;
        int fields = 0;
        TreeSet<String> names = new TreeSet<>(java.structs.keySet());
        names.addAll(c.structs.keySet());
        for (String name : names) {
            Struct j = java.structs.get(name);
            Struct k = c.structs.get(name);
            if (j == null) {
                bad.add("struct " + name + ": in the C headers' table but no Java layout is named so");
                continue;
            }
            if (k == null) {
                bad.add("struct " + name + ": a Java layout but not in the C program's table");
                continue;
            }
            structs++;
            if (j.size() != k.size()) {
                bad.add("struct " + name + ": size Java " + j.size() + " != C " + k.size());
            }
            if (j.align() != k.align()) {
                bad.add("struct " + name + ": alignment Java " + j.align() + " != C " + k.align());
            }
            TreeSet<String> paths = new TreeSet<>(j.fields().keySet());
            paths.addAll(k.fields().keySet());
            for (String path : paths) {
                Field jf = j.fields().get(path);
                Field kf = k.fields().get(path);
                if (jf == null) {
                    bad.add(name + "." + path + ": in C but missing in the Java layout");
                } else if (kf == null) {
                    bad.add(name + "." + path + ": in the Java layout but missing in C");
                } else {
                    fields++;
                    if (jf.offset() != kf.offset()) {
                        bad.add(name + "." + path + ": offset Java " + jf.offset() + " != C " + kf.offset());
                    }
                    if (jf.size() != kf.size()) {
                        bad.add(name + "." + path + ": size Java " + jf.size() + " != C " + kf.size());
                    }
                }
            }
        }
        return new Comparison(List.copyOf(bad), structs, fields);
    }
}
