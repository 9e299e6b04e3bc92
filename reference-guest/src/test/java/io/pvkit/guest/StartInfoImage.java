package io.pvkit.guest;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.StartInfoLayout;

import java.nio.charset.StandardCharsets;

/** Test helper: a start_info a domain builder would write, with every field open to hostile values. */
final class StartInfoImage {
    byte[] magic = StartInfo.MAGIC.getBytes(StandardCharsets.US_ASCII);
    long nrPages;
    long sharedInfo;   // an address
    int flags;
    long storeMfn;
    int storeEvtchn;
    long consoleMfn;
    int consoleEvtchn;
    byte[] cmdLine;    // written as is (no NUL added): tests choose the terminator

    /** A valid image for a memory of {@code nrPages} own frames followed by start_info, shared_info, console, store. */
    static StartInfoImage valid(long nrPages, String cmdLine) {
        StartInfoImage s = new StartInfoImage();
        s.nrPages = nrPages;
        s.sharedInfo = GuestMemory.gpaOf(nrPages + 1);
        s.consoleMfn = nrPages + 2;
        s.storeMfn = nrPages + 3;
        s.consoleEvtchn = 1;
        s.storeEvtchn = 2;
        s.cmdLine = (cmdLine + "\0").getBytes(StandardCharsets.US_ASCII);
        return s;
    }

    void writeTo(GuestMemory memory, long gpa) {
        memory.fill(gpa, StartInfoLayout.SIZE, (byte) 0);
        memory.write(gpa + StartInfoLayout.MAGIC_OFFSET, magic, 0, Math.min(magic.length, 32));
        memory.setLong(gpa + StartInfoLayout.NR_PAGES_OFFSET, nrPages);
        memory.setLong(gpa + StartInfoLayout.SHARED_INFO_OFFSET, sharedInfo);
        memory.setInt(gpa + StartInfoLayout.FLAGS_OFFSET, flags);
        memory.setLong(gpa + StartInfoLayout.STORE_MFN_OFFSET, storeMfn);
        memory.setInt(gpa + StartInfoLayout.STORE_EVTCHN_OFFSET, storeEvtchn);
        memory.setLong(gpa + StartInfoLayout.CONSOLE_DOMU_MFN_OFFSET, consoleMfn);
        memory.setInt(gpa + StartInfoLayout.CONSOLE_DOMU_EVTCHN_OFFSET, consoleEvtchn);
        memory.write(gpa + StartInfoLayout.CMD_LINE_OFFSET, cmdLine, 0,
                Math.min(cmdLine.length, StartInfoLayout.MAX_GUEST_CMDLINE));
    }
}
