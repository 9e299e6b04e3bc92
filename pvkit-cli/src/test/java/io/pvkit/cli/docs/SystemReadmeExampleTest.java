package io.pvkit.cli.docs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compiles and runs the root README's java blocks that use the reference modules (those starting with
 * {@code // system example}; conformance-tests' ReadmeExamplesTest runs the library-only blocks), and
 * checks what the example prints: the guest powered off after its 100 round trips.
 */
class SystemReadmeExampleTest {
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(// system example.*?)```", Pattern.DOTALL);
    private static final String IMPORTS = String.join("\n",
            "import io.pvkit.hypervisor.*;",
            "import io.pvkit.guest.*;",
            "import io.pvkit.guest.block.*;",
            "import io.pvkit.process.*;",
            "import java.util.concurrent.CompletableFuture;",
            "import java.util.concurrent.TimeUnit;",
            "import java.nio.file.Files;",
            "import java.nio.file.Path;",
            "import java.time.Duration;",
            "import java.util.List;",
            "");

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theSystemQuickStartCompilesRunsAndBootsAGuest() throws Exception {
        Path readme = Path.of(System.getProperty("pvkit.root", ".."), "README.md");
        Matcher m = JAVA_BLOCK.matcher(Files.readString(readme));
        List<String> blocks = new ArrayList<>();
        while (m.find()) {
            blocks.add(m.group(1));
        }
        assertFalse(blocks.isEmpty(), "README.md has no '// system example' java block");
        for (int i = 0; i < blocks.size(); i++) {
            String printed = compileAndRun(blocks.get(i), i);
            assertTrue(printed.contains("POWEROFF after 100 round trips"), "block #" + (i + 1) + " printed: " + printed);
            if (blocks.get(i).contains("DiskConfig")) {
                assertTrue(printed.matches("(?s).*round trips, [1-9][0-9]* blocks verified.*"),
                        "block #" + (i + 1) + " verified no block: " + printed);
            }
        }
    }

    @Test
    void aBrokenBlockIsReported() {
        AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> compileAndRun("int x = undefinedThing;", 99));
        assertTrue(e.getMessage().contains("does not compile"), e.getMessage());
    }

    /** Compiles one block as a method body, runs it, and returns what it printed. */
    private static String compileAndRun(String block, int index) throws Exception {
        String cls = "SystemReadmeBlock" + index;
        String source = IMPORTS + "public class " + cls + " {\n  public static void run() throws Exception {\n"
                + block + "\n  }\n}\n";
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diags = new DiagnosticCollector<>();
        Path out = Files.createTempDirectory("system-readme");
        try (StandardJavaFileManager fm = javac.getStandardFileManager(diags, null, null)) {
            JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///" + cls + ".java"),
                    JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return source;
                }
            };
            boolean ok = javac.getTask(null, fm, diags, List.of("-d", out.toString(), "-classpath",
                    System.getProperty("java.class.path"), "-proc:none"), null, List.of(file)).call();
            if (!ok) {
                StringBuilder sb = new StringBuilder("does not compile:\n");
                for (Diagnostic<? extends JavaFileObject> d : diags.getDiagnostics()) {
                    sb.append("  line ").append(d.getLineNumber()).append(": ").append(d.getMessage(null)).append('\n');
                }
                throw new AssertionError(sb + source);
            }
        }
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {out.toUri().toURL()},
                SystemReadmeExampleTest.class.getClassLoader())) {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            loader.loadClass(cls).getMethod("run").invoke(null);
        } catch (InvocationTargetException e) {
            throw new AssertionError("block #" + (index + 1) + " threw", e.getCause());
        } catch (IOException e) {
            throw new AssertionError(e);
        } finally {
            System.setOut(original);
        }
        String printed = captured.toString(StandardCharsets.UTF_8);
        return printed;
    }
}
