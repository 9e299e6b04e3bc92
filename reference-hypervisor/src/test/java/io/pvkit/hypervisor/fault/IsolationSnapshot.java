package io.pvkit.hypervisor.fault;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.xenstore.XsdSockmsgType;
import io.pvkit.events.ChannelStatus;
import io.pvkit.grant.PinCounts;
import io.pvkit.hypervisor.Domain;
import io.pvkit.hypervisor.FaultAccess;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.dom0.xenstore.WireClient;
import io.pvkit.hypervisor.internal.LibraryDomains;
import io.pvkit.hypervisor.internal.MemoryMap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a hostile guest must not change in the other domains, captured at one moment: the bytes of every
 * frame their own workload does not write, the status of every event-channel port, the pin counts of every
 * grant reference (active mappings and copies), the grant mappings each guest holds, and their xenstore nodes
 * (values and permissions). {@link #diff} lists every difference between two captures, except ports whose
 * far end is the hostile domain (its own actions legitimately close or rebind those).
 */
final class IsolationSnapshot {
    /** One domain to watch: the frames to hash and the xenstore subtrees to read. */
    record Target(Domain domain, long[] frames, List<String> xenstoreRoots, List<String> xenstoreSkipped) {
    }

    private final Map<String, byte[]> memory = new LinkedHashMap<>();
    private final Map<String, ChannelStatus> ports = new LinkedHashMap<>();
    private final Map<String, PinCounts> pins = new LinkedHashMap<>();
    private final Map<String, Integer> mappings = new LinkedHashMap<>();
    private final Map<String, String> nodes = new LinkedHashMap<>();
    int checks;

    /** Frames {@code [0, totalFrames)} of a guest except its shared_info, console and xenstore pages and {@code work}. */
    static long[] quietFrames(Domain d, long[] work) {
        MemoryMap map = FaultAccess.record(d).map;
        List<Long> out = new ArrayList<>();
        for (long f = 0; f < map.totalFrames(); f++) {
            final long frame = f;
            boolean skip = f == map.sharedInfoGfn() || f == map.consoleGfn() || f == map.xenstoreGfn()
                    || Arrays.stream(work).anyMatch(w -> w == frame);
            if (!skip) {
                out.add(f);
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    static IsolationSnapshot take(Hypervisor hv, List<Target> targets) {
        IsolationSnapshot s = new IsolationSnapshot();
        LibraryDomains lib = FaultAccess.library(hv);
        try (WireClient.Socket xs = new WireClient.Socket(hv.xenstoreSocket())) {
            for (Target t : targets) {
                int domid = t.domain().domid();
                GuestMemory mem = t.domain().memory();
                for (long f : t.frames()) {
                    byte[] page = new byte[GuestMemory.PAGE_SIZE];
                    mem.read(GuestMemory.gpaOf(f), page, 0, page.length);
                    s.memory.put("domain " + domid + " frame " + f, page);
                }
                int limit = lib.portLimit(domid);
                for (int p = 0; p < limit; p++) {
                    s.ports.put("domain " + domid + " port " + p, lib.events().inspect(domid, p));
                }
                for (int ref = 0; ref < MemoryMap.GRANT_FRAMES * 512; ref++) {
                    s.pins.put("domain " + domid + " grant " + ref, lib.grants().pins(domid, ref));
                }
                if (domid != 0) {
                    // domain 0 maps the hostile guest's console, xenstore and ring pages: its count legitimately
                    // changes with them (the pins of the other guests' grants cover its mappings of those)
                    s.mappings.put("domain " + domid + " maptrack", lib.grants().mappingCount(domid));
                }
                for (String root : t.xenstoreRoots()) {
                    s.readTree(xs, root, t.xenstoreSkipped());
                }
            }
        }
        return s;
    }

    private void readTree(WireClient.Socket xs, String path, List<String> skipped) {
        if (skipped.contains(path)) {
            return;
        }
        WireClient.Frame v = xs.call(XsdSockmsgType.READ, 0, path + "\0");
        WireClient.Frame perms = xs.call(XsdSockmsgType.GET_PERMS, 0, path + "\0");
        nodes.put(path, v.isError() ? "<" + v.error() + ">" : v.text() + " perms " + perms.text().replace('\0', ','));
        WireClient.Frame dir = xs.call(XsdSockmsgType.DIRECTORY, 0, path + "\0");
        if (dir.isError()) {
            return;
        }
        for (String child : dir.text().split("\0")) {
            if (!child.isEmpty()) {
                readTree(xs, path + "/" + child, skipped);
            }
        }
    }

    /**
     * Every difference from {@code before} to this capture.
     *
     * @param before the earlier capture
     * @param hostile the hostile domain: ports connected to it are not compared
     * @return one line per difference (empty when isolation held)
     */
    List<String> diff(IsolationSnapshot before, int hostile) {
        List<String> out = new ArrayList<>();
        checks = 0;
        for (Map.Entry<String, byte[]> e : before.memory.entrySet()) {
            byte[] now = memory.get(e.getKey());
            checks++;
            int at = now == null ? 0 : Arrays.mismatch(e.getValue(), now);
            if (at >= 0) {
                out.add(e.getKey() + " changed at byte " + at);
            }
        }
        for (Map.Entry<String, ChannelStatus> e : before.ports.entrySet()) {
            ChannelStatus now = ports.get(e.getKey());
            ChannelStatus was = e.getValue();
            if (was.ok() && was.remoteDom() == hostile || now != null && now.ok() && now.remoteDom() == hostile) {
                continue;
            }
            checks++;
            if (!Objects.equals(was, now)) {
                out.add(e.getKey() + ": " + was + " -> " + now);
            }
        }
        compare(before.pins, pins, out);
        compare(before.mappings, mappings, out);
        compare(before.nodes, nodes, out);
        for (String path : nodes.keySet()) {
            if (!before.nodes.containsKey(path)) {
                out.add("xenstore " + path + " appeared: " + nodes.get(path));
            }
        }
        return out;
    }

    private <T> void compare(Map<String, T> before, Map<String, T> after, List<String> out) {
        for (Map.Entry<String, T> e : before.entrySet()) {
            checks++;
            T now = after.get(e.getKey());
            if (!Objects.equals(e.getValue(), now)) {
                out.add(e.getKey() + ": " + e.getValue() + " -> " + now);
            }
        }
    }

    /** @return how many items the capture holds, by kind */
    String sizes() {
        return memory.size() + " frames, " + ports.size() + " ports, " + pins.size() + " grant entries, "
                + mappings.size() + " maptracks, " + nodes.size() + " xenstore nodes";
    }
}
