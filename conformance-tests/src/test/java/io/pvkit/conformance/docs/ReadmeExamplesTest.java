package io.pvkit.conformance.docs;

import io.pvkit.abi.memory.GuestMemory;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Compiles and runs every {@code java} code block of the repository's root README.md, so that the
 * quick starts a newcomer copies keep working. Each block becomes the body of a method that receives
 * fresh guest memories named as the README names them ({@code dom0Mem}, {@code guestMem},
 * {@code frontMem}, {@code backMem}); its {@code import} lines are hoisted, and a fixed set of pvkit
 * packages is imported for every block.
 */
class ReadmeExamplesTest {

    /** First line of a README block that uses the reference modules (run by pvkit-cli, not here). */
    static final String SYSTEM_MARKER = "// system example";

    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

    private static final String IMPORTS = String.join("\n",
            "import io.pvkit.abi.*;",
            "import io.pvkit.abi.memory.*;",
            "import io.pvkit.abi.hypercall.*;",
            "import io.pvkit.abi.spi.*;",
            "import io.pvkit.abi.grant.GntMap;",
            "import io.pvkit.abi.evtchn.SharedInfoLayout;",
            "import io.pvkit.events.*;",
            "import io.pvkit.events.spi.*;",
            "import io.pvkit.grant.*;",
            "import io.pvkit.rings.*;",
            "import java.lang.foreign.*;",
            "");

    static List<String> javaBlocks(String markdown) {
        List<String> blocks = new ArrayList<>();
        Matcher m = JAVA_BLOCK.matcher(markdown);
        while (m.find()) {
            if (!m.group(1).startsWith(SYSTEM_MARKER)) { // needs the reference modules: pvkit-cli runs it
                blocks.add(m.group(1));
            }
        }
        return blocks;
    }

    static Path readme() {
        Path p = Path.of("..", "README.md").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(p), "root README.md not found at " + p);
        return p;
    }

    @Test
    void shouldFindTheQuickStartsInTheReadme() throws IOException {
        List<String> blocks = javaBlocks(Files.readString(readme()));
        assertTrue(blocks.size() >= 3, "expected at least three java quick starts, found " + blocks.size());
    }

    @Test
    void shouldRejectABlockThatDoesNotCompile() {
        String error = compileAndRun("int x = undefinedThing;", 99);
        assertFalse(error.isEmpty(), "a broken example must be reported");
    }

    @TestFactory
    List<DynamicTest> everyJavaBlockCompilesAndRuns() throws IOException {
        List<String> blocks = javaBlocks(Files.readString(readme()));
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            final int index = i;
            final String block = blocks.get(i);
            tests.add(DynamicTest.dynamicTest("README java block #" + (i + 1), () ->
                    assertEquals("", compileAndRun(block, index), "README java block #" + (index + 1))));
        }
        return tests;
    }

    /** Stand-ins for the third-party implementation the kit README's example names. */
    private static final String ACME_STUBS = String.join("\n",
            "import io.pvkit.abi.memory.GuestMemory;",
            "class AcmeHypervisor {",
            "  AcmeDomain create(long frames, int vcpus, boolean privileged) { return new AcmeDomain(); }",
            "  void destroy(int domid) { }",
            "  void shutdown() { }",
            "}",
            "class AcmeDomain {",
            "  int id() { return 1; }",
            "  GuestMemory memory() { return null; }",
            "  AcmeVcpu vcpu(int index) { return new AcmeVcpu(); }",
            "  byte[] consoleBytes() { return new byte[0]; }",
            "}",
            "class AcmeVcpu {",
            "  long hypercall(long op, long a1, long a2, long a3, long a4, long a5) { return -38; }",
            "}",
            "class AcmeHypervisorPort implements io.pvkit.conformance.spi.HypervisorUnderTest {",
            "  public java.util.Set<io.pvkit.conformance.spi.Capability> capabilities() { return java.util.Set.of(); }",
            "  public io.pvkit.conformance.spi.DomainUnderTest createDomain(io.pvkit.conformance.spi.DomainConfig c) {",
            "    return null; }",
            "  public void destroyDomain(io.pvkit.conformance.spi.DomainUnderTest d) { }",
            "  public void close() { }",
            "}",
            "class AcmeBlkback {",
            "  static AcmeBlkback start(AcmeHypervisorPort hv) { return new AcmeBlkback(); }",
            "  AcmeVbd attach(int domid, java.nio.file.Path image, boolean readOnly) { return new AcmeVbd(); }",
            "  long liveGrantMappings() { return 0; }",
            "  void stop() { }",
            "}",
            "class AcmeVbd {",
            "  java.util.Map<String, String> backendNodes() { return java.util.Map.of(); }",
            "  int frontendInitialised(java.util.Map<String, String> keys) { return 4; }",
            "  String errorNode() { return \"\"; }",
            "  void frontendClosing() { }",
            "}",
            "class MyXenstored {",
            "  static MyXenstored start(java.nio.file.Path socket) { return new MyXenstored(); }",
            "  void stop() { }",
            "}",
            "");

    @Test
    void theKitReadmeExampleCompilesAgainstTheKit() throws IOException {
        Path kitReadme = Path.of("README.md").toAbsolutePath();
        List<String> units = javaBlocks(Files.readString(kitReadme)).stream()
                .filter(b -> b.contains("class ") && b.contains(" extends ")).toList();
        assertFalse(units.isEmpty(), "conformance-tests/README.md has no example verification class");
        for (String unit : units) {
            assertEquals("", compileUnits(List.of(unit, ACME_STUBS)), "conformance-tests/README.md example");
        }
    }

    /** Compiles whole compilation units (default package); returns "" or the diagnostics. */
    private static String compileUnits(List<String> units) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diags = new DiagnosticCollector<>();
        Path out = Files.createTempDirectory("readme-unit");
        List<JavaFileObject> files = new ArrayList<>();
        for (int i = 0; i < units.size(); i++) {
            String text = units.get(i);
            files.add(new SimpleJavaFileObject(URI.create("string:///Unit" + i + ".java"), JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return text;
                }
            });
        }
        try (StandardJavaFileManager fm = javac.getStandardFileManager(diags, null, null)) {
            boolean ok = javac.getTask(null, fm, diags, List.of("-d", out.toString(), "-classpath",
                    System.getProperty("java.class.path"), "-proc:none"), null, files).call();
            if (ok) {
                return "";
            }
        }
        StringBuilder sb = new StringBuilder("does not compile:\n");
        for (Diagnostic<? extends JavaFileObject> d : diags.getDiagnostics()) {
            sb.append("  ").append(d.getSource() == null ? "" : d.getSource().getName()).append(" line ")
                    .append(d.getLineNumber()).append(": ").append(d.getMessage(null)).append('\n');
        }
        return sb.toString();
    }

    /** Compiles and runs one block; returns "" on success, otherwise what went wrong. */
    private static String compileAndRun(String block, int index) {
        StringBuilder imports = new StringBuilder(IMPORTS);
        StringBuilder body = new StringBuilder();
        for (String line : block.split("\n")) {
            if (line.startsWith("import ")) {
                imports.append(line).append('\n');
            } else {
                body.append(line).append('\n');
            }
        }
        String cls = "ReadmeBlock" + index;
        String source = imports + "public class " + cls + " {\n"
                + "  public static void run(GuestMemory dom0Mem, GuestMemory guestMem,"
                + " GuestMemory frontMem, GuestMemory backMem) throws Exception {\n"
                + body + "\n  }\n}\n";
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diags = new DiagnosticCollector<>();
        try {
            Path out = Files.createTempDirectory("readme-block");
            try (StandardJavaFileManager fm = javac.getStandardFileManager(diags, null, null)) {
                JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///" + cls + ".java"),
                        JavaFileObject.Kind.SOURCE) {
                    @Override
                    public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                        return source;
                    }
                };
                List<String> options = List.of("-d", out.toString(), "-classpath",
                        System.getProperty("java.class.path"), "-proc:none");
                boolean ok = javac.getTask(null, fm, diags, options, null, List.of(file)).call();
                if (!ok) {
                    StringBuilder sb = new StringBuilder("does not compile:\n");
                    for (Diagnostic<? extends JavaFileObject> d : diags.getDiagnostics()) {
                        sb.append("  line ").append(d.getLineNumber()).append(": ").append(d.getMessage(null)).append('\n');
                    }
                    return sb + source;
                }
            }
            try (URLClassLoader loader = new URLClassLoader(new URL[] {out.toUri().toURL()},
                    ReadmeExamplesTest.class.getClassLoader());
                 GuestMemory a = GuestMemory.allocate(64);
                 GuestMemory b = GuestMemory.allocate(64);
                 GuestMemory c = GuestMemory.allocate(64);
                 GuestMemory d = GuestMemory.allocate(64)) {
                Method run = loader.loadClass(cls).getMethod("run", GuestMemory.class, GuestMemory.class,
                        GuestMemory.class, GuestMemory.class);
                run.invoke(null, a, b, c, d);
            }
            return "";
        } catch (InvocationTargetException ex) {
            return "throws " + ex.getCause();
        } catch (ReflectiveOperationException | IOException ex) {
            return fail(ex);
        }
    }
}
