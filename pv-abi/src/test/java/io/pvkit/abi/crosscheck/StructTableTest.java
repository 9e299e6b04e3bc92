package io.pvkit.abi.crosscheck;

import io.pvkit.abi.evtchn.EvtchnBindInterdomainLayout;
import io.pvkit.abi.evtchn.EvtchnStatusLayout;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The comparison logic of the header cross-check catches every kind of disagreement. */
class StructTableTest {
    /** What gcc prints for {@code struct evtchn_bind_interdomain} against the real headers. */
    private static final List<String> C_BIND_INTERDOMAIN = List.of(
            "struct evtchn_bind_interdomain 12 4",
            "field evtchn_bind_interdomain remote_dom 0 2",
            "field evtchn_bind_interdomain remote_port 4 4",
            "field evtchn_bind_interdomain local_port 8 4");


    @Test
    void shouldMatchTheRealLayout() {
        StructTable java = new StructTable();
        java.addJava(EvtchnBindInterdomainLayout.LAYOUT);
        StructTable.Comparison r = StructTable.compare(java, StructTable.parseC(C_BIND_INTERDOMAIN));
        assertEquals(List.of(), r.mismatches());
        assertEquals(1, r.structsCompared());
        assertEquals(3, r.fieldsCompared());
    }

    @Test
    void shouldFailOnAWrongOffset() {
        StructTable java = new StructTable();
        // wrong: remote_port placed right after remote_dom without C's 2 bytes of padding (packed)
        java.addJava(MemoryLayout.structLayout(
                JAVA_SHORT.withName("remote_dom"),
                JAVA_INT.withByteAlignment(2).withName("remote_port"),
                JAVA_INT.withByteAlignment(2).withName("local_port"),
                MemoryLayout.paddingLayout(2)).withName("evtchn_bind_interdomain"));
        StructTable.Comparison r = StructTable.compare(java, StructTable.parseC(C_BIND_INTERDOMAIN));
        assertTrue(r.mismatches().contains("evtchn_bind_interdomain.remote_port: offset Java 2 != C 4"), r.mismatches().toString());
        assertTrue(r.mismatches().contains("evtchn_bind_interdomain.local_port: offset Java 6 != C 8"), r.mismatches().toString());
        assertTrue(r.mismatches().contains("struct evtchn_bind_interdomain: alignment Java 2 != C 4"), r.mismatches().toString());
    }

    @Test
    void shouldFailOnAWrongFieldSizeAndStructSize() {
        StructTable java = new StructTable();
        java.addJava(MemoryLayout.structLayout(
                JAVA_SHORT.withName("remote_dom"),
                MemoryLayout.paddingLayout(2),
                JAVA_INT.withName("remote_port"),
                JAVA_LONG.withByteAlignment(4).withName("local_port")).withName("evtchn_bind_interdomain"));
        StructTable.Comparison r = StructTable.compare(java, StructTable.parseC(C_BIND_INTERDOMAIN));
        assertTrue(r.mismatches().contains("evtchn_bind_interdomain.local_port: size Java 8 != C 4"), r.mismatches().toString());
        assertTrue(r.mismatches().contains("struct evtchn_bind_interdomain: size Java 16 != C 12"), r.mismatches().toString());
    }

    @Test
    void shouldFailWhenAFieldIsMissingOnEitherSide() {
        StructTable java = new StructTable();
        java.addJava(MemoryLayout.structLayout(
                JAVA_SHORT.withName("remote_dom"),
                MemoryLayout.paddingLayout(2),
                JAVA_INT.withName("remote_port"),
                JAVA_INT.withName("local_prot")).withName("evtchn_bind_interdomain"));
        StructTable.Comparison r = StructTable.compare(java, StructTable.parseC(C_BIND_INTERDOMAIN));
        assertEquals(List.of(
                "evtchn_bind_interdomain.local_port: in C but missing in the Java layout",
                "evtchn_bind_interdomain.local_prot: in the Java layout but missing in C"), r.mismatches());
    }

    @Test
    void shouldFailWhenAStructIsMissingOnEitherSide() {
        StructTable java = new StructTable();
        java.addJava(EvtchnStatusLayout.LAYOUT);
        StructTable.Comparison r = StructTable.compare(java, StructTable.parseC(C_BIND_INTERDOMAIN));
        assertEquals(List.of(
                "struct evtchn_bind_interdomain: in the C headers' table but no Java layout is named so",
                "struct evtchn_status: a Java layout but not in the C program's table"), r.mismatches());
        assertEquals(0, r.structsCompared());
    }

    @Test
    void shouldFlattenNestedUnionsAsDottedPaths() {
        StructTable java = new StructTable();
        java.addJava(EvtchnStatusLayout.LAYOUT);
        StructTable.Struct s = java.structs().get("evtchn_status");
        assertEquals(new StructTable.Field(20, 4), s.fields().get("u.interdomain.port"));
        assertEquals(new StructTable.Field(16, 4), s.fields().get("u.virq"));
        assertEquals(new StructTable.Field(16, 8), s.fields().get("u"));
    }

    @Test
    void shouldRejectUnnamedMembersAndGarbageLines() {
        StructTable java = new StructTable();
        assertThrows(IllegalArgumentException.class,
                () -> java.addJava(MemoryLayout.structLayout(JAVA_INT).withName("x")));
        assertThrows(IllegalArgumentException.class, () -> StructTable.parseC(List.of("struct x 4")));
        assertThrows(IllegalArgumentException.class, () -> StructTable.parseC(List.of("field y a 0 4")));
    }

    @Test
    void shouldDiscoverEveryLayoutClassOfTheModule() throws ReflectiveOperationException {
        List<String> classes = LayoutScanner.layoutClassNames(LayoutScanner.mainClassesRoot());
        assertTrue(classes.contains("io.pvkit.abi.ring.SharedRingLayout"), classes.toString());
        assertTrue(classes.contains("io.pvkit.abi.blkif.BlkifRequestLayout"), classes.toString());
        assertTrue(classes.size() >= 40, classes.toString());
        StructTable t = LayoutScanner.javaTable();
        assertTrue(t.structs().containsKey("gnttab_copy_ptr"), "nested named structs are found too");
    }
}
