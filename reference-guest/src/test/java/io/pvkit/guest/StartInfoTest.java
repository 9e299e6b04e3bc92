package io.pvkit.guest;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.StartInfoLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StartInfoTest {
    private static final long NR_PAGES = 8;
    private static final long START_INFO_GPA = GuestMemory.gpaOf(NR_PAGES);
    private static final String CMDLINE = "pvkit.name=guest1 pvkit.echo=3 quiet";

    private final GuestMemory memory = GuestMemory.allocate(NR_PAGES + 4);

    @AfterEach
    void close() {
        memory.close();
    }

    private StartInfo readWith(Consumer<StartInfoImage> change) throws BootException {
        StartInfoImage image = StartInfoImage.valid(NR_PAGES, CMDLINE);
        change.accept(image);
        image.writeTo(memory, START_INFO_GPA);
        return StartInfo.read(memory, START_INFO_GPA);
    }

    private String rejected(Consumer<StartInfoImage> change) {
        return assertThrows(BootException.class, () -> readWith(change)).getMessage();
    }

    @Test
    void shouldReadEveryFieldOfAValidStartInfo() throws BootException {
        StartInfo si = readWith(s -> s.flags = 0);
        assertEquals(START_INFO_GPA, si.gpa());
        assertEquals(NR_PAGES, si.nrPages());
        assertEquals(NR_PAGES + 1, si.sharedInfoGfn());
        assertEquals(NR_PAGES + 2, si.consoleGfn());
        assertEquals(1, si.consoleEvtchn());
        assertEquals(NR_PAGES + 3, si.storeGfn());
        assertEquals(2, si.storeEvtchn());
        assertEquals("guest1", si.commandLine().name());
        assertEquals(3, si.commandLine().echoPort());
        assertEquals("", si.commandLine().get("quiet").orElseThrow());
    }

    @Test
    void shouldParseOnlyTheCopyWhenTheHypervisorChangesTheStructureAfterwards() throws BootException {
        StartInfo si = readWith(s -> { });
        memory.setLong(START_INFO_GPA + StartInfoLayout.NR_PAGES_OFFSET, 1);
        memory.setInt(START_INFO_GPA + StartInfoLayout.CONSOLE_DOMU_EVTCHN_OFFSET, 4095);
        assertEquals(NR_PAGES, si.nrPages());
        assertEquals(1, si.consoleEvtchn());
    }

    @Test
    void shouldRejectAMissingOrMisplacedStartInfo() {
        assertTrue(assertThrows(BootException.class, () -> StartInfo.read(memory, 0)).getMessage().contains("address 0"));
        assertThrows(BootException.class, () -> StartInfo.read(memory, memory.byteSize() - 8));
        assertThrows(BootException.class, () -> StartInfo.read(memory, START_INFO_GPA + 4));
        assertThrows(BootException.class, () -> StartInfo.read(memory, -4096));
    }

    @Test
    void shouldRejectAWrongMagic() {
        assertTrue(rejected(s -> s.magic = "xen-3.0-x86_32p".getBytes(StandardCharsets.US_ASCII)).contains("magic"));
        assertTrue(rejected(s -> s.magic = "xen-3.0-x86_64X".getBytes(StandardCharsets.US_ASCII)).contains("magic"));
        assertTrue(rejected(s -> s.magic = new byte[0]).contains("magic"));
    }

    @Test
    void shouldRejectNrPagesThatLeaveNoRoomForSpecialPages() {
        assertTrue(rejected(s -> s.nrPages = 0).contains("nr_pages"));
        assertTrue(rejected(s -> s.nrPages = NR_PAGES + 4).contains("nr_pages"));
        assertTrue(rejected(s -> s.nrPages = -1).contains("nr_pages"));
        // start_info itself inside the guest's own frames
        assertTrue(rejected(s -> {
            s.nrPages = NR_PAGES + 1;
            s.sharedInfo = GuestMemory.gpaOf(NR_PAGES + 1);
        }).contains("own frames"));
    }

    @Test
    void shouldRejectSpecialPagesOutsideTheSpecialFrames() {
        assertTrue(rejected(s -> s.sharedInfo = GuestMemory.gpaOf(2)).contains("shared_info"));
        assertTrue(rejected(s -> s.sharedInfo = GuestMemory.gpaOf(NR_PAGES + 4)).contains("shared_info"));
        assertTrue(rejected(s -> s.sharedInfo = GuestMemory.gpaOf(NR_PAGES + 1) + 8).contains("page-aligned"));
        assertTrue(rejected(s -> s.sharedInfo = Long.MIN_VALUE).contains("shared_info"));
        assertTrue(rejected(s -> s.consoleMfn = 0).contains("console.domU.mfn"));
        assertTrue(rejected(s -> s.consoleMfn = Long.MAX_VALUE).contains("console.domU.mfn"));
        assertTrue(rejected(s -> s.storeMfn = -1).contains("store_mfn"));
    }

    @Test
    void shouldRejectSpecialPagesThatOverlap() {
        assertTrue(rejected(s -> s.consoleMfn = NR_PAGES + 1).contains("same frame"));
        assertTrue(rejected(s -> s.storeMfn = NR_PAGES + 2).contains("same frame"));
        assertTrue(rejected(s -> s.consoleMfn = NR_PAGES).contains("overlaps start_info"));
    }

    @Test
    void shouldRejectPortsOutsideTheTwoLevelRange() {
        assertTrue(rejected(s -> s.consoleEvtchn = 0).contains("console.domU.evtchn"));
        assertTrue(rejected(s -> s.consoleEvtchn = 4096).contains("console.domU.evtchn"));
        assertTrue(rejected(s -> s.storeEvtchn = -1).contains("store_evtchn"));
        assertTrue(rejected(s -> s.storeEvtchn = 1).contains("same port"));
    }

    @Test
    void shouldRejectACommandLineWithoutTerminatorOrWithControlBytes() {
        byte[] full = new byte[StartInfoLayout.MAX_GUEST_CMDLINE];
        Arrays.fill(full, (byte) 'a');
        assertTrue(rejected(s -> s.cmdLine = full).contains("no NUL"));
        assertTrue(rejected(s -> s.cmdLine = "pvkit.name=a\npvkit.echo=3\0".getBytes(StandardCharsets.US_ASCII))
                .contains("non-printable"));
        assertTrue(rejected(s -> s.cmdLine = new byte[] {'a', (byte) 0xC3, 0}).contains("non-printable"));
    }

    @Test
    void shouldAcceptTheLongestTerminatedCommandLine() throws BootException {
        byte[] line = new byte[StartInfoLayout.MAX_GUEST_CMDLINE];
        byte[] words = "pvkit.name=g pvkit.echo=7 ".getBytes(StandardCharsets.US_ASCII);
        Arrays.fill(line, (byte) 'x');
        System.arraycopy(words, 0, line, 0, words.length);
        line[line.length - 1] = 0;
        StartInfo si = readWith(s -> s.cmdLine = line);
        assertEquals(7, si.commandLine().echoPort());
        assertEquals(StartInfoLayout.MAX_GUEST_CMDLINE - 1, si.commandLine().toString().length());
    }

    @Test
    void shouldRequireTheNameAndAValidEchoPort() {
        assertTrue(rejected(s -> s.cmdLine = "pvkit.echo=3\0".getBytes(StandardCharsets.US_ASCII)).contains("pvkit.name"));
        assertTrue(rejected(s -> s.cmdLine = "pvkit.name= pvkit.echo=3\0".getBytes(StandardCharsets.US_ASCII))
                .contains("pvkit.name"));
        for (String bad : new String[] {"", "0", "4096", "-1", "99999999999", "3a", "0x10"}) {
            String line = "pvkit.name=g pvkit.echo=" + bad + "\0";
            assertTrue(rejected(s -> s.cmdLine = line.getBytes(StandardCharsets.US_ASCII)).contains("pvkit.echo"), bad);
        }
        assertTrue(rejected(s -> s.cmdLine = "pvkit.name=g\0".getBytes(StandardCharsets.US_ASCII)).contains("pvkit.echo"));
    }

    @Test
    void shouldLetTheLastOccurrenceOfAKeyWinAndRejectEmptyKeys() throws BootException {
        CommandLine cl = CommandLine.parse("pvkit.name=a  pvkit.echo=3 pvkit.name=b x=1=2");
        assertEquals("b", cl.name());
        assertEquals("1=2", cl.get("x").orElseThrow());
        assertTrue(assertThrows(BootException.class, () -> CommandLine.parse("pvkit.name=a pvkit.echo=3 =v"))
                .getMessage().contains("no key"));
    }
}
