package io.pvkit.abi.crosscheck;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.GroupLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Finds every {@code *Layout} class of pv-abi's main classes and reads its
 * {@code public static final} struct/union layouts, so that a new layout class is cross-checked
 * without registering it anywhere.
 */
final class LayoutScanner {
    private LayoutScanner() {
    }

    /** The directory (or jar) pv-abi's main classes were loaded from. */
    static Path mainClassesRoot() {
        try {
            return Path.of(io.pvkit.abi.XenErrno.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Names of every top-level class whose simple name ends in {@code Layout}. */
    static List<String> layoutClassNames(Path root) {
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException("expected the main classes directory, got " + root);
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.map(root::relativize).map(Path::toString)
                    .filter(p -> p.endsWith("Layout.class") && !p.contains("$"))
                    .map(p -> p.substring(0, p.length() - ".class".length()).replace(root.getFileSystem().getSeparator(), "."))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every public static final {@link GroupLayout} field of the named classes. */
    static List<GroupLayout> layouts(List<String> classNames) throws ReflectiveOperationException {
        List<GroupLayout> out = new ArrayList<>();
        for (String name : classNames) {
            Class<?> c = Class.forName(name);
            for (Field f : c.getFields()) {
                int m = f.getModifiers();
                if (Modifier.isStatic(m) && Modifier.isFinal(m) && GroupLayout.class.isAssignableFrom(f.getType())) {
                    out.add((GroupLayout) f.get(null));
                }
            }
        }
        return out;
    }

    /** A table of every layout pv-abi declares. */
    static StructTable javaTable() throws ReflectiveOperationException {
        StructTable t = new StructTable();
        for (GroupLayout g : layouts(layoutClassNames(mainClassesRoot()))) {
            t.addJava(g);
        }
        return t;
    }
}
