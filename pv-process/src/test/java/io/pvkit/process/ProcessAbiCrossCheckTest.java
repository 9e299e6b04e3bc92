package io.pvkit.process;

import io.pvkit.process.internal.SysConstants;
import org.junit.jupiter.api.Test;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every struct layout of pv-process against the C headers (glibc's and pvkit_mailbox.h), compiled with gcc:
 * sizes, alignments, every named member's offset and size, the CMSG_* macros, and every constant in
 * SysConstants and MailboxLayout. Both directions: a struct or field on one side only fails.
 */
class ProcessAbiCrossCheckTest {
    private static final Set<Class<?>> LAYOUT_CLASSES = Set.of(IovecLayout.class, MsghdrLayout.class,
            CmsghdrLayout.class, SockaddrUnLayout.class, PollfdLayout.class, MailboxLayout.class,
            SessionHelloLayout.class, SessionWelcomeLayout.class);

    @Test
    void shouldListEveryLayoutClassOfThePackage() throws Exception {
        Path classes = Path.of(IovecLayout.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("io/pvkit/process");
        try (Stream<Path> files = Files.list(classes)) {
            Set<String> found = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith("Layout.class")).map(n -> n.substring(0, n.length() - 6))
                    .collect(Collectors.toCollection(TreeSet::new));
            Set<String> listed = LAYOUT_CLASSES.stream().map(Class::getSimpleName)
                    .collect(Collectors.toCollection(TreeSet::new));
            assertEquals(found, listed);
        }
    }

    @Test
    void shouldMatchTheCHeaders() throws Exception {
        CTools.requireGcc("the pv-process ABI cross-check");
        String out = CTools.run(CTools.build("process_abi"));
        Set<String> c = new TreeSet<>();
        Set<String> consts = new TreeSet<>();
        for (String line : out.lines().toList()) {
            if (line.startsWith("const ")) {
                consts.add(line);
            } else {
                c.add(line);
            }
        }
        Set<String> java = new TreeSet<>();
        for (Class<?> k : LAYOUT_CLASSES) {
            for (Field f : k.getFields()) {
                if (Modifier.isStatic(f.getModifiers()) && StructLayout.class.isAssignableFrom(f.getType())) {
                    StructLayout s = (StructLayout) f.get(null);
                    String tag = s.name().orElseThrow();
                    java.add("struct " + tag + " " + s.byteSize() + " " + s.byteAlignment());
                    for (MemoryLayout m : ((GroupLayout) s).memberLayouts()) {
                        if (!(m instanceof PaddingLayout) && m.name().isPresent()) {
                            java.add("field " + tag + "." + m.name().get() + " "
                                    + s.byteOffset(MemoryLayout.PathElement.groupElement(m.name().get())) + " " + m.byteSize());
                        }
                    }
                }
            }
        }
        java.add("cmsg DATA_OFFSET " + CmsghdrLayout.DATA_OFFSET);
        java.add("cmsg LEN4 " + CmsghdrLayout.cmsgLen(4));
        java.add("cmsg SPACE4 " + CmsghdrLayout.cmsgSpace(4));
        java.add("cmsg SPACE12 " + CmsghdrLayout.cmsgSpace(12));
        assertEquals(c, java, "C (expected) vs Java layouts");

        Set<String> javaConsts = new TreeSet<>();
        for (Field f : SysConstants.class.getFields()) {
            javaConsts.add("const " + f.getName() + " " + ((Number) f.get(null)).longValue());
        }
        Map<String, Long> mailbox = Map.ofEntries(
                Map.entry("PVKIT_MAILBOX_MAGIC", (long) MailboxLayout.MAGIC),
                Map.entry("PVKIT_SESSION_HELLO_MAGIC", (long) SessionHelloLayout.MAGIC),
                Map.entry("PVKIT_SESSION_WELCOME_MAGIC", (long) SessionWelcomeLayout.MAGIC),
                Map.entry("PVKIT_ABI_VERSION", (long) MailboxLayout.VERSION),
                Map.entry("PVKIT_MAILBOX_IDLE", (long) MailboxLayout.STATE_IDLE),
                Map.entry("PVKIT_MAILBOX_REQUEST", (long) MailboxLayout.STATE_REQUEST),
                Map.entry("PVKIT_MAILBOX_RESPONSE", (long) MailboxLayout.STATE_RESPONSE),
                Map.entry("PVKIT_GONE_GUEST", (long) MailboxLayout.GONE_GUEST),
                Map.entry("PVKIT_GONE_HYPERVISOR", (long) MailboxLayout.GONE_HYPERVISOR),
                Map.entry("PVKIT_MAILBOX_MAX_VCPUS", (long) MailboxLayout.MAX_VCPUS),
                Map.entry("PVKIT_MAILBOX_PAGE_BYTES", (long) MailboxLayout.PAGE_BYTES),
                Map.entry("PVKIT_MAILBOX_OFFSET(0)", MailboxLayout.mailboxOffset(0)),
                Map.entry("PVKIT_MAILBOX_OFFSET(30)", MailboxLayout.mailboxOffset(30)));
        mailbox.forEach((k, v) -> javaConsts.add("const " + k + " " + v));
        assertEquals(consts, javaConsts, "C (expected) vs Java constants");
        System.out.printf("[pv-process] ABI cross-check with gcc: %d struct/field/macro lines and %d constants match%n",
                c.size(), consts.size());
    }
}
