package io.pvkit.guest;

import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.abi.platform.StartInfoLayout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A validated copy of the guest's {@code start_info} (pv-abi {@link StartInfoLayout}): what the domain
 * builder tells the guest about its memory, its special pages and its event channels.
 *
 * <p>Trust: the hypervisor writes {@code start_info}, but the guest checks every field it uses before
 * it touches memory through it. {@link #read} copies the whole structure out of guest memory once and
 * parses only the copy (no double fetch); then:
 * <ul>
 *   <li>{@code magic} must be {@code "xen-3.0-x86_64"} followed by NULs;</li>
 *   <li>{@code nr_pages} must leave room above it: {@code 1 <= nr_pages < frames of memory};</li>
 *   <li>{@code shared_info} (an address), {@code store_mfn} and {@code console.domU.mfn} must name
 *       frames in {@code [nr_pages, frames)}, pairwise distinct and distinct from the frame(s) of
 *       {@code start_info} itself, which must lie above {@code nr_pages} too (the guest uses
 *       {@code [0, nr_pages)} freely, so a special page there would be overwritten);</li>
 *   <li>the event channels must be ports {@code 1..4095} (2-level ABI);</li>
 *   <li>{@code cmd_line} must contain a NUL within its 1024 bytes (the length is never trusted) and only
 *       printable ASCII before it; then {@link CommandLine#parse} checks its words.</li>
 * </ul>
 *
 * @param gpa the guest-physical address the structure was read from
 * @param nrPages the number of frames at the bottom of memory that are the guest's own
 * @param sharedInfoGfn the frame of {@code shared_info}
 * @param flags {@code SIF_*} flags
 * @param storeGfn the frame of the xenstore ring page
 * @param storeEvtchn the xenstore event channel
 * @param consoleGfn the frame of the console ring page ({@code xencons_interface})
 * @param consoleEvtchn the console event channel
 * @param commandLine the parsed command line
 */
public record StartInfo(long gpa, long nrPages, long sharedInfoGfn, int flags, long storeGfn, int storeEvtchn,
                        long consoleGfn, int consoleEvtchn, CommandLine commandLine) {
    /** The magic string of an x86_64 PV/PVH start info (Xen's {@code "xen-3.0-x86_64"}). */
    public static final String MAGIC = "xen-3.0-x86_64";

    /**
     * Checks the components.
     *
     * @throws NullPointerException when {@code commandLine} is null
     */
    public StartInfo {
        Objects.requireNonNull(commandLine, "commandLine");
    }

    /**
     * Reads and validates the start info at {@code gpa}.
     *
     * @param memory the guest's memory ({@link GuestMemory#byteSize()} bounds every frame check)
     * @param gpa the address from {@link io.pvkit.abi.spi.VcpuStart#startInfoGpa()}
     * @return the validated start info
     * @throws BootException naming the first field that is missing, out of range or malformed
     */
    public static StartInfo read(MemoryAccess memory, long gpa) throws BootException {
        Objects.requireNonNull(memory, "memory");
        if (gpa == 0) {
            throw new BootException("no start_info: the builder passed address 0");
        }
        if ((gpa & 7) != 0 || !memory.contains(gpa, StartInfoLayout.SIZE)) {
            throw new BootException("start_info at 0x" + Long.toHexString(gpa) + " is misaligned or outside "
                    + memory.byteSize() + " bytes of memory");
        }
        // UNTRUSTED: one copy of the whole structure; every field below is parsed from the copy only
        byte[] raw = new byte[(int) StartInfoLayout.SIZE];
        memory.read(gpa, raw, 0, raw.length);
        return parse(MemorySegment.ofArray(raw), memory.byteSize() >>> GuestMemory.PAGE_SHIFT, gpa);
    }

    private static StartInfo parse(MemorySegment copy, long frames, long gpa) throws BootException {
        checkMagic(copy);
        long nrPages = copy.get(ValueLayout.JAVA_LONG_UNALIGNED, StartInfoLayout.NR_PAGES_OFFSET);
        if (nrPages < 1 || nrPages >= frames) {
            throw new BootException("start_info.nr_pages " + Long.toUnsignedString(nrPages)
                    + " must be 1.." + (frames - 1) + " (the special pages live above it)");
        }
        long sharedInfo = copy.get(ValueLayout.JAVA_LONG_UNALIGNED, StartInfoLayout.SHARED_INFO_OFFSET);
        if ((sharedInfo & (GuestMemory.PAGE_SIZE - 1)) != 0) {
            throw new BootException("start_info.shared_info 0x" + Long.toHexString(sharedInfo) + " is not page-aligned");
        }
        long sharedInfoGfn = special("shared_info", sharedInfo >>> GuestMemory.PAGE_SHIFT, nrPages, frames);
        int flags = copy.get(ValueLayout.JAVA_INT_UNALIGNED, StartInfoLayout.FLAGS_OFFSET);
        long storeGfn = special("store_mfn",
                copy.get(ValueLayout.JAVA_LONG_UNALIGNED, StartInfoLayout.STORE_MFN_OFFSET), nrPages, frames);
        int storeEvtchn = port("store_evtchn", copy.get(ValueLayout.JAVA_INT_UNALIGNED, StartInfoLayout.STORE_EVTCHN_OFFSET));
        long consoleGfn = special("console.domU.mfn",
                copy.get(ValueLayout.JAVA_LONG_UNALIGNED, StartInfoLayout.CONSOLE_DOMU_MFN_OFFSET), nrPages, frames);
        int consoleEvtchn = port("console.domU.evtchn",
                copy.get(ValueLayout.JAVA_INT_UNALIGNED, StartInfoLayout.CONSOLE_DOMU_EVTCHN_OFFSET));
        long firstOwn = gpa >>> GuestMemory.PAGE_SHIFT;
        long lastOwn = (gpa + StartInfoLayout.SIZE - 1) >>> GuestMemory.PAGE_SHIFT;
        if (firstOwn < nrPages) {
            throw new BootException("start_info at frame " + firstOwn + " lies inside the guest's own frames [0, "
                    + nrPages + ")");
        }
        long[] pages = {sharedInfoGfn, storeGfn, consoleGfn};
        String[] names = {"shared_info", "store_mfn", "console.domU.mfn"};
        for (int i = 0; i < pages.length; i++) {
            if (pages[i] >= firstOwn && pages[i] <= lastOwn) {
                throw new BootException("start_info." + names[i] + " frame " + pages[i] + " overlaps start_info itself");
            }
            for (int j = i + 1; j < pages.length; j++) {
                if (pages[i] == pages[j]) {
                    throw new BootException("start_info." + names[i] + " and " + names[j] + " name the same frame "
                            + pages[i]);
                }
            }
        }
        if (storeEvtchn == consoleEvtchn) {
            throw new BootException("start_info.store_evtchn and console.domU.evtchn are the same port " + storeEvtchn);
        }
        CommandLine commandLine = CommandLine.parse(commandLine(copy));
        return new StartInfo(gpa, nrPages, sharedInfoGfn, flags, storeGfn, storeEvtchn, consoleGfn, consoleEvtchn,
                commandLine);
    }

    private static void checkMagic(MemorySegment copy) throws BootException {
        byte[] magic = new byte[32];
        MemorySegment.copy(copy, ValueLayout.JAVA_BYTE, StartInfoLayout.MAGIC_OFFSET, magic, 0, magic.length);
        byte[] want = MAGIC.getBytes(StandardCharsets.US_ASCII);
        boolean ok = true;
        for (int i = 0; i < magic.length; i++) {
            ok &= magic[i] == (i < want.length ? want[i] : 0);
        }
        if (!ok) {
            throw new BootException("start_info.magic is not \"" + MAGIC + "\": " + printable(magic));
        }
    }

    private static long special(String field, long gfn, long nrPages, long frames) throws BootException {
        if (gfn < nrPages || gfn >= frames) {
            throw new BootException("start_info." + field + " frame " + Long.toUnsignedString(gfn)
                    + " is outside the special frames [" + nrPages + ", " + frames + ")");
        }
        return gfn;
    }

    private static int port(String field, int port) throws BootException {
        if (port < 1 || port >= SharedInfoLayout.NR_2L_CHANNELS) {
            throw new BootException("start_info." + field + " " + Integer.toUnsignedString(port)
                    + " is not a port 1.." + (SharedInfoLayout.NR_2L_CHANNELS - 1));
        }
        return port;
    }

    private static String commandLine(MemorySegment copy) throws BootException {
        byte[] line = new byte[StartInfoLayout.MAX_GUEST_CMDLINE];
        MemorySegment.copy(copy, ValueLayout.JAVA_BYTE, StartInfoLayout.CMD_LINE_OFFSET, line, 0, line.length);
        int length = -1;
        for (int i = 0; i < line.length; i++) {
            if (line[i] == 0) {
                length = i;
                break;
            }
            if (line[i] < 0x20 || line[i] > 0x7E) {
                throw new BootException("start_info.cmd_line has a non-printable byte 0x"
                        + Integer.toHexString(line[i] & 0xFF) + " at " + i);
            }
        }
        if (length < 0) {
            throw new BootException("start_info.cmd_line has no NUL within " + line.length + " bytes");
        }
        return new String(line, 0, length, StandardCharsets.US_ASCII);
    }

    private static String printable(byte[] bytes) {
        StringBuilder sb = new StringBuilder("\"");
        for (byte b : bytes) {
            if (b == 0) {
                break;
            }
            sb.append(b >= 0x20 && b <= 0x7E ? Character.toString(b) : String.format("\\x%02x", b & 0xFF));
        }
        return sb.append('"').toString();
    }
}
