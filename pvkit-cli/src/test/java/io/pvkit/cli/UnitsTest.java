package io.pvkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class UnitsTest {

    @Test
    void memorySizes() {
        assertEquals(4L << 20, Units.parseMemory("4M"));
        assertEquals(16L << 20, Units.parseMemory("16m"));
        assertEquals(512L << 10, Units.parseMemory("512K"));
        assertEquals(1L << 30, Units.parseMemory("1G"));
        assertEquals(4L << 20, Units.parseMemory("4MiB"));
        assertEquals(1L << 20, Units.parseMemory("1048576"));
        assertEquals(4L << 30, Units.parseMemory("4G"));
        for (String bad : new String[] {"", "M", "4T", "-4M", "4.5M", "255K", "5G", "4097K", "999999999999G"}) {
            assertThrows(TypeConversionException.class, () -> Units.parseMemory(bad), bad);
        }
    }

    @Test
    void runTimes() {
        assertEquals(Duration.ofSeconds(5), Units.parseDuration("5s"));
        assertEquals(Duration.ofSeconds(5), Units.parseDuration("5"));
        assertEquals(Duration.ofMillis(500), Units.parseDuration("500ms"));
        assertEquals(Duration.ofMinutes(2), Units.parseDuration("2m"));
        assertEquals(Duration.ofHours(24), Units.parseDuration("24h"));
        for (String bad : new String[] {"", "s", "0s", "0", "25h", "-1s", "1.5s", "5 s", "5d", "9999999999s"}) {
            assertThrows(TypeConversionException.class, () -> Units.parseDuration(bad), bad);
        }
    }
}
