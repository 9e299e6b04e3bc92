package io.pvkit.conformance.runner;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The "if this fails, check" hint of every verification method, for the report's detail column.
 *
 * <p>The hints are written once, in the Javadoc of the kit's verification methods (where an
 * implementer reading the source finds them); a build step extracts them into the resource
 * {@value #RESOURCE} next to this class, and a test fails when that resource is stale (regenerate it
 * with {@code ./mvnw -q -B -pl conformance-tests -am verify -Dpvkit.updateRules=true}, the same
 * command that regenerates {@code RULES.md}). Hints are keyed by declaring class and method name;
 * a third party's concrete verification inherits the kit's methods.
 */
public final class FailureHints {

    /** The resource holding the extracted hints (UTF-8 properties: {@code SimpleClass.method} = hint). */
    public static final String RESOURCE = "failure-hints.properties";

    private static final Pattern METHOD = Pattern.compile(
            "/\\*\\*((?:(?!\\*/).)*)\\*/\\s*(?:@[\\w.]+(?:\\([^)]*\\))?\\s*)*public\\s+void\\s+((?:required|optional)_\\w+)\\s*\\(",
            Pattern.DOTALL);
    private static final Pattern INLINE_TAG = Pattern.compile("\\{@(?:code|literal)\\s+([^{}]*)}");
    private static final Pattern LINK_TAG = Pattern.compile("\\{@link(?:plain)?\\s+([^\\s{}]+)(?:\\s+([^{}]*))?}");

    private static final Map<String, String> HINTS = load();

    private FailureHints() {
    }

    /**
     * The hint for a verification method, looked up along the concrete class's superclasses (a third
     * party's class inherits the kit's methods).
     *
     * @param className the concrete test class, loaded through the thread's context class loader
     * @param methodName e.g. {@code required_RING_05_requestProducerReadOncePerBatch}
     * @return the hint (one paragraph of plain text), or empty when the method has none
     */
    public static Optional<String> of(String className, String methodName) {
        if (methodName == null) {
            return Optional.empty();
        }
        try {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            for (Class<?> c = Class.forName(className, false, loader == null ? FailureHints.class.getClassLoader() : loader);
                 c != null; c = c.getSuperclass()) {
                String hint = HINTS.get(c.getSimpleName() + "." + methodName);
                if (hint != null) {
                    return Optional.of(hint);
                }
            }
        } catch (ClassNotFoundException | LinkageError e) {
            // the class is gone by now: fall back to the method name alone when it is unambiguous
        }
        return of(methodName);
    }

    /**
     * The hint for a verification method name, when exactly one verification declares it.
     *
     * @param methodName e.g. {@code required_HC_01_unknownHypercallsReturnEnosysWithoutSideEffect}
     * @return the hint, or empty when no verification or more than one declares the method
     */
    public static Optional<String> of(String methodName) {
        String found = null;
        for (Map.Entry<String, String> e : HINTS.entrySet()) {
            if (e.getKey().endsWith("." + methodName)) {
                if (found != null) {
                    return Optional.empty();
                }
                found = e.getValue();
            }
        }
        return Optional.ofNullable(found);
    }

    /**
     * Every hint, keyed {@code DeclaringSimpleClassName.methodName}.
     *
     * @return an unmodifiable sorted map
     */
    public static Map<String, String> all() {
        return HINTS;
    }

    /**
     * Extracts the hints of the {@code required_}/{@code optional_} methods of one Java source file.
     *
     * @param javaSource the text of a verification class
     * @return method name to hint, sorted
     */
    static Map<String, String> extract(String javaSource) {
        Map<String, String> out = new TreeMap<>();
        Matcher m = METHOD.matcher(javaSource);
        while (m.find()) {
            String comment = m.group(1);
            // the Javadoc of a method ends right before it: keep only the last comment the match spans
            int inner = comment.lastIndexOf("/**");
            if (inner >= 0) {
                comment = comment.substring(inner + 3);
            }
            String hint = hintOf(comment);
            if (!hint.isEmpty()) {
                out.put(m.group(2), hint);
            }
        }
        return out;
    }

    /**
     * Renders hints as the resource's text (sorted, deterministic, UTF-8 properties).
     *
     * @param hints method name to hint
     * @return the file contents
     */
    static String render(Map<String, String> hints) {
        StringBuilder sb = new StringBuilder("# Generated from the verification classes' Javadoc (\"If this fails, check:\").\n"
                + "# Do not edit; regenerate: ./mvnw -q -B -pl conformance-tests -am verify -Dpvkit.updateRules=true\n");
        for (Map.Entry<String, String> e : new TreeMap<>(hints).entrySet()) {
            sb.append(e.getKey()).append('=').append(e.getValue().replace("\\", "\\\\")).append('\n');
        }
        return sb.toString();
    }

    private static String hintOf(String comment) {
        StringBuilder text = new StringBuilder();
        for (String line : comment.split("\n")) {
            String l = line.strip();
            if (l.startsWith("*")) {
                l = l.substring(1).strip();
            }
            if (l.startsWith("@")) {
                break; // block tags end the description
            }
            text.append(l).append(' ');
        }
        String all = text.toString();
        int at = all.toLowerCase(java.util.Locale.ROOT).indexOf("if this fails, check:");
        if (at < 0) {
            return "";
        }
        String hint = all.substring(at + "if this fails, check:".length());
        int nextParagraph = hint.indexOf("<p>");
        if (nextParagraph >= 0) {
            hint = hint.substring(0, nextParagraph);
        }
        // a tag's text is escaped, so that a "<" in it ({@code 0 <= offset}) is not taken for the start of an HTML tag
        hint = LINK_TAG.matcher(hint).replaceAll(r -> Matcher.quoteReplacement(escape(
                r.group(2) != null && !r.group(2).isBlank() ? r.group(2).strip() : r.group(1))));
        hint = INLINE_TAG.matcher(hint).replaceAll(r -> Matcher.quoteReplacement(escape(r.group(1))));
        hint = hint.replaceAll("</li>\\s*<li>", "; ").replaceAll("<[^>]+>", " ")
                .replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
        hint = hint.replaceAll("\\s+", " ").strip().replace(" ;", ";").replace(";;", ";");
        return hint;
    }

    /** {@code text} with its HTML-significant characters escaped (unescaped again after the tags are stripped). */
    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static Map<String, String> load() {
        Properties p = new Properties();
        try (InputStream in = FailureHints.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return Map.of();
            }
            try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                p.load(r);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        Map<String, String> out = new TreeMap<>();
        for (String k : p.stringPropertyNames()) {
            out.put(k, p.getProperty(k));
        }
        return java.util.Collections.unmodifiableMap(out);
    }
}
